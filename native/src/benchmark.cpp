#include "benchmark.h"

#include "json_events.h"
#include "trt_compat.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

namespace osg {

namespace {

// IEEE binary16 from binary32 (round toward zero): only used to make random FP16 inputs.
uint16_t floatToHalfBits(float value) {
    uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    const uint32_t sign = (bits >> 16) & 0x8000U;
    const int32_t exponent = static_cast<int32_t>((bits >> 23) & 0xffU) - 127 + 15;
    uint32_t mantissa = bits & 0x7fffffU;
    if (exponent <= 0) {
        if (exponent < -10) return static_cast<uint16_t>(sign);
        mantissa |= 0x800000U;
        return static_cast<uint16_t>(sign | (mantissa >> static_cast<uint32_t>(14 - exponent)));
    }
    if (exponent >= 31) return static_cast<uint16_t>(sign | 0x7c00U);
    return static_cast<uint16_t>(sign | (static_cast<uint32_t>(exponent) << 10) | (mantissa >> 13));
}

// Random floats in [0, 1) (image-like); integer and bool inputs stay zero so index-like inputs
// remain in range.
std::vector<char> randomHostData(nvinfer1::DataType type, size_t elements, std::mt19937& generator) {
    std::vector<char> data(elements * dataTypeSize(type), 0);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    if (type == nvinfer1::DataType::kFLOAT) {
        auto* out = reinterpret_cast<float*>(data.data());
        for (size_t i = 0; i < elements; ++i) out[i] = uniform(generator);
    } else if (type == nvinfer1::DataType::kHALF) {
        auto* out = reinterpret_cast<uint16_t*>(data.data());
        for (size_t i = 0; i < elements; ++i) out[i] = floatToHalfBits(uniform(generator));
    }
    return data;
}

bool cudaOk(cudaError_t status, const char* what, std::string& error) {
    if (status == cudaSuccess) return true;
    error = std::string(what) + ": " + cudaGetErrorString(status);
    return false;
}

// Device buffers, stream and events, released in every exit path.
struct CudaResources {
    std::vector<void*> buffers;
    cudaStream_t stream = nullptr;
    cudaEvent_t start = nullptr;
    cudaEvent_t stop = nullptr;
    ~CudaResources() {
        for (void* buffer : buffers) cudaFree(buffer);
        if (start != nullptr) cudaEventDestroy(start);
        if (stop != nullptr) cudaEventDestroy(stop);
        if (stream != nullptr) cudaStreamDestroy(stream);
    }
};

// Nearest-rank percentile of sorted samples.
double percentile(const std::vector<float>& sorted, double fraction) {
    if (sorted.empty()) return NAN;
    size_t rank = static_cast<size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
    rank = std::min(std::max<size_t>(rank, 1), sorted.size());
    return sorted[rank - 1];
}

double median(const std::vector<float>& sorted) {
    if (sorted.empty()) return NAN;
    const size_t n = sorted.size();
    return n % 2 ? sorted[n / 2] : 0.5 * (static_cast<double>(sorted[n / 2 - 1]) + sorted[n / 2]);
}

bool bindTensors(nvinfer1::ICudaEngine& engine, nvinfer1::IExecutionContext& context, CudaResources& cuda,
                 std::string& error) {
    const int32_t count = engine.getNbIOTensors();
    // Input shapes first: output shapes are only known once every input shape is set.
    for (int32_t i = 0; i < count; ++i) {
        const char* name = engine.getIOTensorName(i);
        if (engine.getTensorIOMode(name) != nvinfer1::TensorIOMode::kINPUT) continue;
        const nvinfer1::Dims declared = engine.getTensorShape(name);
        bool dynamic = false;
        for (int32_t d = 0; d < declared.nbDims; ++d) dynamic = dynamic || declared.d[d] < 0;
        const nvinfer1::Dims shape =
            dynamic ? engine.getProfileShape(name, 0, nvinfer1::OptProfileSelector::kOPT) : declared;
        if (!context.setInputShape(name, shape)) {
            error = std::string("setInputShape failed for input '") + name + "'";
            return false;
        }
    }
    std::mt19937 generator(12345);
    for (int32_t i = 0; i < count; ++i) {
        const char* name = engine.getIOTensorName(i);
        const std::vector<int64_t> dims = fromDims(context.getTensorShape(name));
        size_t elements = 1;
        for (int64_t d : dims) {
            if (d < 0) {
                error = std::string("tensor '") + name + "' has a data-dependent shape; --benchmark does not support it";
                return false;
            }
            elements *= static_cast<size_t>(d);
        }
        const nvinfer1::DataType type = engine.getTensorDataType(name);
        const size_t bytes = elements * dataTypeSize(type);
        if (dataTypeSize(type) == 0) {
            error = std::string("tensor '") + name + "' has type " + dataTypeName(type) + ", which --benchmark cannot allocate";
            return false;
        }
        void* buffer = nullptr;
        // cudaMalloc(0) may return null; allocate at least one byte so every address is valid.
        if (!cudaOk(cudaMalloc(&buffer, std::max<size_t>(bytes, 1)), "cudaMalloc", error)) return false;
        cuda.buffers.push_back(buffer);
        if (engine.getTensorIOMode(name) == nvinfer1::TensorIOMode::kINPUT) {
            const std::vector<char> host = randomHostData(type, elements, generator);
            if (!cudaOk(cudaMemcpy(buffer, host.data(), bytes, cudaMemcpyHostToDevice), "cudaMemcpy", error)) return false;
        }
        if (!context.setTensorAddress(name, buffer)) {
            error = std::string("setTensorAddress failed for '") + name + "'";
            return false;
        }
    }
    return true;
}

} // namespace

bool runBenchmark(nvinfer1::ICudaEngine& engine, const BuilderOptions& options, std::string& error) {
    emit(event("phase").str("phase", "benchmark"));
    std::unique_ptr<nvinfer1::IExecutionContext> context(engine.createExecutionContext());
    if (context == nullptr) {
        error = "createExecutionContext failed (out of device memory?)";
        return false;
    }
    CudaResources cuda;
    if (!cudaOk(cudaStreamCreate(&cuda.stream), "cudaStreamCreate", error)) return false;
    if (!cudaOk(cudaEventCreate(&cuda.start), "cudaEventCreate", error)) return false;
    if (!cudaOk(cudaEventCreate(&cuda.stop), "cudaEventCreate", error)) return false;
    if (!bindTensors(engine, *context, cuda, error)) return false;

    for (int i = 0; i < options.warmupIterations; ++i) {
        if (!context->enqueueV3(cuda.stream)) {
            error = "enqueueV3 failed during warm-up";
            return false;
        }
    }
    if (!cudaOk(cudaStreamSynchronize(cuda.stream), "warm-up", error)) return false;

    std::vector<float> samplesMs;
    samplesMs.reserve(static_cast<size_t>(options.benchmarkIterations));
    for (int i = 0; i < options.benchmarkIterations; ++i) {
        cudaEventRecord(cuda.start, cuda.stream);
        if (!context->enqueueV3(cuda.stream)) {
            error = "enqueueV3 failed";
            return false;
        }
        cudaEventRecord(cuda.stop, cuda.stream);
        if (!cudaOk(cudaEventSynchronize(cuda.stop), "cudaEventSynchronize", error)) return false;
        float elapsedMs = 0.0f;
        if (!cudaOk(cudaEventElapsedTime(&elapsedMs, cuda.start, cuda.stop), "cudaEventElapsedTime", error)) return false;
        samplesMs.push_back(elapsedMs);
    }
    std::sort(samplesMs.begin(), samplesMs.end());
    double sum = 0.0;
    for (float sample : samplesMs) sum += sample;
    emit(event("latency")
             .integer("iterations", static_cast<int64_t>(samplesMs.size()))
             .integer("warmup", options.warmupIterations)
             .num("median_ms", median(samplesMs))
             .num("p99_ms", percentile(samplesMs, 0.99))
             .num("mean_ms", samplesMs.empty() ? NAN : sum / static_cast<double>(samplesMs.size()))
             .num("min_ms", samplesMs.empty() ? NAN : samplesMs.front())
             .num("max_ms", samplesMs.empty() ? NAN : samplesMs.back()));
    return true;
}

} // namespace osg
