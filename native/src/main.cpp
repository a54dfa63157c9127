// onnx-surgeon-trt-builder: the native half of `onnx-surgeon build`. Parses an ONNX model with
// TensorRT's ONNX parser (MultiscaleDeformableAttnPlugin_TRT nodes resolved through the plugin
// registry), builds and writes a serialized engine, optionally reports layer precisions and
// latency. Output protocol: JSON lines on stdout (see json_events.h).
#include "benchmark.h"
#include "engine_builder.h"
#include "json_events.h"
#include "layer_report.h"
#include "logger.h"
#include "options.h"
#include "precision.h"
#include "trt_compat.h"

#include <iostream>
#include <memory>
#include <stdexcept>

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Version of the JSON-lines protocol; the driver refuses a builder that speaks another one.
constexpr int kProtocolVersion = 2;

int run(const osg::BuilderOptions& options) {
    osg::JsonLogger logger(options.verbose);
    std::unique_ptr<nvinfer1::IHostMemory> serialized = osg::buildAndWriteEngine(options, logger);
    if (serialized == nullptr) return kExitFailure;

    if (options.layerReport || options.benchmarkIterations > 0) {
        // The runtime must outlive the engine it deserializes.
        std::unique_ptr<nvinfer1::IRuntime> runtime(nvinfer1::createInferRuntime(logger));
        std::unique_ptr<nvinfer1::ICudaEngine> engine(
            runtime != nullptr ? runtime->deserializeCudaEngine(serialized->data(), serialized->size()) : nullptr);
        if (engine == nullptr) {
            osg::emit(osg::event("error").str("stage", "deserialize").str("message", "could not deserialize the engine just built"));
            return kExitFailure;
        }
        if (options.layerReport) osg::reportLayerPrecisions(*engine);
        if (options.benchmarkIterations > 0) {
            std::string error;
            if (!osg::runBenchmark(*engine, options, error)) {
                osg::emit(osg::event("error").str("stage", "benchmark").str("message", error));
                return kExitFailure;
            }
        }
    }
    osg::emit(osg::event("done").str("engine", options.enginePath).integer("bytes", static_cast<int64_t>(serialized->size())));
    return kExitOk;
}

} // namespace

int main(int argc, char** argv) {
    osg::BuilderOptions options;
    try {
        options = osg::parseOptions(argc, argv);
    } catch (const std::invalid_argument& error) {
        osg::emit(osg::event("error").str("stage", "usage").str("message", error.what()));
        std::cerr << "onnx-surgeon-trt-builder: " << error.what() << "\n";
        return kExitUsage;
    }
    if (options.showHelp) {
        std::cerr << osg::usageText();
        return kExitOk;
    }
    osg::emit(osg::event("start")
                  .integer("protocol", kProtocolVersion)
                  .str("tensorrt", osg::tensorRtVersionString())
                  .str("strongly_typed", osg::stronglyTypedSupport())
                  .boolean("fp16_builder_flag", OSG_TRT_WEAK_FP16));
    if (options.printVersion) return kExitOk;
    const std::string precisionError = osg::precisionOptionsError(options);
    if (!precisionError.empty()) {
        osg::emit(osg::event("error").str("stage", "usage").str("message", precisionError));
        return kExitUsage;
    }
    try {
        return run(options);
    } catch (const std::exception& error) {
        osg::emit(osg::event("error").str("stage", "internal").str("message", error.what()));
        return kExitFailure;
    }
}
