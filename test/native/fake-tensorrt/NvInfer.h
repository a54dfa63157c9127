// TEST-ONLY STUB (see README.md): the nvinfer1 subset native/src uses, declarations only.
// Signatures follow NVIDIA's public NvInfer.h / NvInferRuntime.h of the selected major version.
#pragma once

#include "NvInferVersion.h"
#include "cuda_runtime_api.h"

#include <cstddef>
#include <cstdint>

#define FAKE_TRT_DEPRECATED [[deprecated]]

namespace nvinfer1 {

using AsciiChar = char;

#if NV_TENSORRT_MAJOR >= 10
// TensorRT 10: 64-bit dimensions.
class Dims64 {
public:
    static constexpr int32_t MAX_DIMS{8};
    int32_t nbDims;
    int64_t d[MAX_DIMS];
};
using Dims = Dims64;
#else
// TensorRT 8.x: 32-bit dimensions.
class Dims32 {
public:
    static constexpr int32_t MAX_DIMS{8};
    int32_t nbDims;
    int32_t d[MAX_DIMS];
};
using Dims = Dims32;
#endif

enum class DataType : int32_t {
    kFLOAT = 0,
    kHALF = 1,
    kINT8 = 2,
    kINT32 = 3,
    kBOOL = 4,
    kUINT8 = 5,
    kFP8 = 6,
#if NV_TENSORRT_MAJOR >= 10
    kBF16 = 7,
    kINT64 = 8,
    kINT4 = 9,
#endif
};

class ILogger {
public:
    enum class Severity : int32_t { kINTERNAL_ERROR = 0, kERROR = 1, kWARNING = 2, kINFO = 3, kVERBOSE = 4 };
    virtual void log(Severity severity, AsciiChar const* msg) noexcept = 0;
    ILogger() = default;
    virtual ~ILogger() = default;
};

class IHostMemory {
public:
    virtual ~IHostMemory() noexcept = default;
    void* data() const noexcept;
    std::size_t size() const noexcept;
};

class ITensor {
public:
    char const* getName() const noexcept;
    Dims getDimensions() const noexcept;
    DataType getType() const noexcept;
    bool isShapeTensor() const noexcept;

protected:
    virtual ~ITensor() noexcept = default;
};

class INetworkDefinition {
public:
    virtual ~INetworkDefinition() noexcept = default;
    int32_t getNbInputs() const noexcept;
    ITensor* getInput(int32_t index) const noexcept;
    int32_t getNbOutputs() const noexcept;
    ITensor* getOutput(int32_t index) const noexcept;
    int32_t getNbLayers() const noexcept;
};

enum class OptProfileSelector : int32_t { kMIN = 0, kOPT = 1, kMAX = 2 };

class IOptimizationProfile {
public:
    bool setDimensions(char const* inputName, OptProfileSelector select, Dims const& dims) noexcept;

protected:
    virtual ~IOptimizationProfile() noexcept = default;
};

enum class BuilderFlag : int32_t {
    kFP16 = 0,
    kINT8 = 1,
    kDEBUG = 2,
    kGPU_FALLBACK = 3,
    kREFIT = 5,
    kDISABLE_TIMING_CACHE = 6,
    kTF32 = 7,
};

enum class MemoryPoolType : int32_t { kWORKSPACE = 0, kDLA_MANAGED_SRAM = 1, kDLA_LOCAL_DRAM = 2, kDLA_GLOBAL_DRAM = 3 };

enum class ProfilingVerbosity : int32_t { kLAYER_NAMES_ONLY = 0, kNONE = 1, kDETAILED = 2 };

class ITimingCache {
public:
    virtual ~ITimingCache() noexcept = default;
    IHostMemory* serialize() const noexcept;
};

class IBuilderConfig {
public:
    virtual ~IBuilderConfig() noexcept = default;
    void setFlag(BuilderFlag builderFlag) noexcept;
    void clearFlag(BuilderFlag builderFlag) noexcept;
    void setMemoryPoolLimit(MemoryPoolType pool, std::size_t poolSize) noexcept;
    void setProfilingVerbosity(ProfilingVerbosity verbosity) noexcept;
    int32_t addOptimizationProfile(IOptimizationProfile const* profile) noexcept;
    ITimingCache* createTimingCache(void const* blob, std::size_t size) const noexcept;
    bool setTimingCache(ITimingCache const& cache, bool ignoreMismatch) noexcept;
    ITimingCache const* getTimingCache() const noexcept;
};

#if NV_TENSORRT_MAJOR >= 10
// TensorRT 10: every network is explicit-batch; kEXPLICIT_BATCH is deprecated (left out here so
// that code using it fails the TRT-10 syntax check).
enum class NetworkDefinitionCreationFlag : int32_t { kSTRONGLY_TYPED = 1 };
#else
enum class NetworkDefinitionCreationFlag : int32_t { kEXPLICIT_BATCH = 0, kEXPLICIT_PRECISION = 1, kSTRONGLY_TYPED = 2 };
#endif
using NetworkDefinitionCreationFlags = uint32_t;

class IBuilder {
public:
    virtual ~IBuilder() noexcept = default;
    IBuilderConfig* createBuilderConfig() noexcept;
    INetworkDefinition* createNetworkV2(NetworkDefinitionCreationFlags flags) noexcept;
    IOptimizationProfile* createOptimizationProfile() noexcept;
    IHostMemory* buildSerializedNetwork(INetworkDefinition& network, IBuilderConfig& config) noexcept;
};

enum class TensorIOMode : int32_t { kNONE = 0, kINPUT = 1, kOUTPUT = 2 };

enum class LayerInformationFormat : int32_t { kONELINE = 0, kJSON = 1 };

class IExecutionContext {
public:
    virtual ~IExecutionContext() noexcept = default;
    bool setInputShape(char const* tensorName, Dims const& dims) noexcept;
    Dims getTensorShape(char const* tensorName) const noexcept;
    bool setTensorAddress(char const* tensorName, void* data) noexcept;
    bool enqueueV3(cudaStream_t stream) noexcept;
};

class IEngineInspector {
public:
    virtual ~IEngineInspector() noexcept = default;
    char const* getLayerInformation(int32_t layerIndex, LayerInformationFormat format) const noexcept;
};

#if NV_TENSORRT_MAJOR >= 10
enum class ExecutionContextAllocationStrategy : int32_t { kSTATIC = 0, kON_PROFILE_CHANGE = 1, kUSER_MANAGED = 2 };
#endif

class ICudaEngine {
public:
    virtual ~ICudaEngine() noexcept = default;
    int32_t getNbIOTensors() const noexcept;
    char const* getIOTensorName(int32_t index) const noexcept;
    TensorIOMode getTensorIOMode(char const* tensorName) const noexcept;
    DataType getTensorDataType(char const* tensorName) const noexcept;
    Dims getTensorShape(char const* tensorName) const noexcept;
    Dims getProfileShape(char const* tensorName, int32_t profileIndex, OptProfileSelector select) const noexcept;
    int32_t getNbLayers() const noexcept;
    IEngineInspector* createEngineInspector() const noexcept;
#if NV_TENSORRT_MAJOR >= 10
    IExecutionContext* createExecutionContext(
        ExecutionContextAllocationStrategy strategy = ExecutionContextAllocationStrategy::kSTATIC) noexcept;
#else
    IExecutionContext* createExecutionContext() noexcept;
#endif
};

class IRuntime {
public:
    virtual ~IRuntime() noexcept = default;
    ICudaEngine* deserializeCudaEngine(void const* blob, std::size_t size) noexcept;
};

class IPluginCreator;
class IPluginCreatorInterface;

class IPluginRegistry {
public:
#if NV_TENSORRT_MAJOR >= 10
    FAKE_TRT_DEPRECATED virtual IPluginCreator* getPluginCreator(
        AsciiChar const* pluginName, AsciiChar const* pluginVersion, AsciiChar const* pluginNamespace = "") noexcept = 0;
    virtual IPluginCreatorInterface* getCreator(
        AsciiChar const* pluginName, AsciiChar const* pluginVersion, AsciiChar const* pluginNamespace = "") noexcept = 0;
#else
    virtual IPluginCreator* getPluginCreator(
        AsciiChar const* pluginName, AsciiChar const* pluginVersion, AsciiChar const* pluginNamespace = "") noexcept = 0;
#endif

protected:
    virtual ~IPluginRegistry() noexcept = default;
};

IBuilder* createInferBuilder(ILogger& logger) noexcept;
IRuntime* createInferRuntime(ILogger& logger) noexcept;

} // namespace nvinfer1

extern "C" nvinfer1::IPluginRegistry* getPluginRegistry() noexcept;
