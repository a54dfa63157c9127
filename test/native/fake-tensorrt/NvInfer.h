// TEST-ONLY STUB (see README.md): the nvinfer1 subset native/src uses, declarations only.
// Checked against NVIDIA's real NvInfer.h / NvInferRuntime*.h of 8.6.1, 10.0, 10.8, 10.13 and
// 11.1: same names, parameter types, enumerator values, and the same [[deprecated]] marks and
// removals per version for everything declared here.
#pragma once

#include "NvInferVersion.h"
#include "cuda_runtime_api.h"

#include <cstddef>
#include <cstdint>

#define FAKE_TRT_AT_LEAST(v) (FAKE_TENSORRT_VERSION >= (v))
#define TRT_DEPRECATED [[deprecated]]
#define TRT_DEPRECATED_ENUM TRT_DEPRECATED

namespace nvinfer1 {

using AsciiChar = char;

#if FAKE_TRT_AT_LEAST(100000)
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
#if FAKE_TRT_AT_LEAST(100000)
    kBF16 = 7,
    kINT64 = 8,
    kINT4 = 9,
#endif
#if FAKE_TRT_AT_LEAST(100800)
    kFP4 = 10,
#endif
#if FAKE_TRT_AT_LEAST(101300)
    kE8M0 = 11,
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

// Only the enumerators the builder names (the real enum has ~45), with their real values.
#if FAKE_TRT_AT_LEAST(100000)
enum class LayerType : int32_t { kCONVOLUTION = 0, kPLUGIN_V2 = 21, kPLUGIN_V3 = 46 };
#else
enum class LayerType : int32_t { kCONVOLUTION = 0, kPLUGIN_V2 = 22 };
#endif

class ILayer {
public:
    LayerType getType() const noexcept;
    char const* getName() const noexcept;
    int32_t getNbOutputs() const noexcept;
    ITensor* getOutput(int32_t index) const noexcept;
#if FAKE_TRT_AT_LEAST(101200)
    // Deprecated in 10.12 ("superseded by strong typing"), removed in 11.0.
#if !FAKE_TRT_AT_LEAST(110000)
    TRT_DEPRECATED void setPrecision(DataType dataType) noexcept;
    TRT_DEPRECATED void setOutputType(int32_t index, DataType dataType) noexcept;
#endif
#else
    void setPrecision(DataType dataType) noexcept;
    void setOutputType(int32_t index, DataType dataType) noexcept;
#endif

protected:
    virtual ~ILayer() noexcept = default;
};

class INetworkDefinition {
public:
    virtual ~INetworkDefinition() noexcept = default;
    int32_t getNbInputs() const noexcept;
    ITensor* getInput(int32_t index) const noexcept;
    int32_t getNbOutputs() const noexcept;
    ITensor* getOutput(int32_t index) const noexcept;
    int32_t getNbLayers() const noexcept;
    ILayer* getLayer(int32_t index) const noexcept;
};

enum class OptProfileSelector : int32_t { kMIN = 0, kOPT = 1, kMAX = 2 };

class IOptimizationProfile {
public:
    bool setDimensions(char const* inputName, OptProfileSelector select, Dims const& dims) noexcept;

protected:
    virtual ~IOptimizationProfile() noexcept = default;
};

// The full enum of each version: values moved in 10.0 (kSTRICT_TYPES removed) and again in 11.0
// (kFP16, kINT8, kBF16, kFP8, kINT4, kFP4 and the precision-constraint flags removed).
#if FAKE_TRT_AT_LEAST(110000)
enum class BuilderFlag : int32_t {
    kDEBUG = 2, kGPU_FALLBACK = 3, kREFIT = 4, kDISABLE_TIMING_CACHE = 5, kTF32 = 6, kSPARSE_WEIGHTS = 7,
    kSAFETY_SCOPE TRT_DEPRECATED_ENUM = 8, kDIRECT_IO TRT_DEPRECATED_ENUM = 11, kVERSION_COMPATIBLE = 12,
    kEXCLUDE_LEAN_RUNTIME = 13, kERROR_ON_TIMING_CACHE_MISS = 15, kDISABLE_COMPILATION_CACHE = 17, kSTRIP_PLAN = 18,
    kREFIT_IDENTICAL = 19, kWEIGHT_STREAMING = 20, kREFIT_INDIVIDUAL = 22, kSTRICT_NANS = 23, kMONITOR_MEMORY = 24,
    kEDITABLE_TIMING_CACHE = 26, kDISTRIBUTIVE_INDEPENDENCE = 27,
};
#elif FAKE_TRT_AT_LEAST(101200)
enum class BuilderFlag : int32_t {
    kFP16 TRT_DEPRECATED_ENUM = 0, kINT8 TRT_DEPRECATED_ENUM = 1, kDEBUG = 2, kGPU_FALLBACK = 3, kREFIT = 4,
    kDISABLE_TIMING_CACHE = 5, kTF32 = 6, kSPARSE_WEIGHTS = 7, kSAFETY_SCOPE = 8,
    kOBEY_PRECISION_CONSTRAINTS TRT_DEPRECATED_ENUM = 9, kPREFER_PRECISION_CONSTRAINTS TRT_DEPRECATED_ENUM = 10,
    kDIRECT_IO TRT_DEPRECATED_ENUM = 11, kREJECT_EMPTY_ALGORITHMS TRT_DEPRECATED_ENUM = 12, kVERSION_COMPATIBLE = 13,
    kEXCLUDE_LEAN_RUNTIME = 14, kFP8 TRT_DEPRECATED_ENUM = 15, kERROR_ON_TIMING_CACHE_MISS = 16,
    kBF16 TRT_DEPRECATED_ENUM = 17, kDISABLE_COMPILATION_CACHE = 18, kSTRIP_PLAN = 19, kREFIT_IDENTICAL = 20,
    kWEIGHT_STREAMING = 21, kINT4 TRT_DEPRECATED_ENUM = 22, kREFIT_INDIVIDUAL = 23, kSTRICT_NANS = 24,
    kMONITOR_MEMORY = 25, kFP4 TRT_DEPRECATED_ENUM = 26, kEDITABLE_TIMING_CACHE = 27, kDISTRIBUTIVE_INDEPENDENCE = 28,
};
#elif FAKE_TRT_AT_LEAST(100800)
enum class BuilderFlag : int32_t {
    kFP16 = 0, kINT8 = 1, kDEBUG = 2, kGPU_FALLBACK = 3, kREFIT = 4, kDISABLE_TIMING_CACHE = 5, kTF32 = 6,
    kSPARSE_WEIGHTS = 7, kSAFETY_SCOPE = 8, kOBEY_PRECISION_CONSTRAINTS = 9, kPREFER_PRECISION_CONSTRAINTS = 10,
    kDIRECT_IO TRT_DEPRECATED_ENUM = 11, kREJECT_EMPTY_ALGORITHMS = 12, kVERSION_COMPATIBLE = 13, kEXCLUDE_LEAN_RUNTIME = 14,
    kFP8 = 15, kERROR_ON_TIMING_CACHE_MISS = 16, kBF16 = 17, kDISABLE_COMPILATION_CACHE = 18, kSTRIP_PLAN = 19,
    kREFIT_IDENTICAL = 20, kWEIGHT_STREAMING = 21, kINT4 = 22, kREFIT_INDIVIDUAL = 23, kSTRICT_NANS = 24,
    kMONITOR_MEMORY = 25, kFP4 = 26, kEDITABLE_TIMING_CACHE = 27,
};
#elif FAKE_TRT_AT_LEAST(100000)
enum class BuilderFlag : int32_t {
    kFP16 = 0, kINT8 = 1, kDEBUG = 2, kGPU_FALLBACK = 3, kREFIT = 4, kDISABLE_TIMING_CACHE = 5, kTF32 = 6,
    kSPARSE_WEIGHTS = 7, kSAFETY_SCOPE = 8, kOBEY_PRECISION_CONSTRAINTS = 9, kPREFER_PRECISION_CONSTRAINTS = 10,
    kDIRECT_IO = 11, kREJECT_EMPTY_ALGORITHMS = 12, kVERSION_COMPATIBLE = 13, kEXCLUDE_LEAN_RUNTIME = 14, kFP8 = 15,
    kERROR_ON_TIMING_CACHE_MISS = 16, kBF16 = 17, kDISABLE_COMPILATION_CACHE = 18, kSTRIP_PLAN = 19,
    kREFIT_IDENTICAL = 20, kWEIGHT_STREAMING = 21,
};
#else
enum class BuilderFlag : int32_t {
    kFP16 = 0, kINT8 = 1, kDEBUG = 2, kGPU_FALLBACK = 3, kSTRICT_TYPES TRT_DEPRECATED_ENUM = 4, kREFIT = 5,
    kDISABLE_TIMING_CACHE = 6, kTF32 = 7, kSPARSE_WEIGHTS = 8, kSAFETY_SCOPE = 9, kOBEY_PRECISION_CONSTRAINTS = 10,
    kPREFER_PRECISION_CONSTRAINTS = 11, kDIRECT_IO = 12, kREJECT_EMPTY_ALGORITHMS = 13, kENABLE_TACTIC_HEURISTIC = 14,
    kVERSION_COMPATIBLE = 15, kEXCLUDE_LEAN_RUNTIME = 16, kFP8 = 17,
};
#endif

#if FAKE_TRT_AT_LEAST(100000)
enum class MemoryPoolType : int32_t {
    kWORKSPACE = 0, kDLA_MANAGED_SRAM = 1, kDLA_LOCAL_DRAM = 2, kDLA_GLOBAL_DRAM = 3, kTACTIC_DRAM = 4, kTACTIC_SHARED_MEMORY = 5,
};
enum class ProfilingVerbosity : int32_t { kLAYER_NAMES_ONLY = 0, kNONE = 1, kDETAILED = 2 };
#else
enum class MemoryPoolType : int32_t { kWORKSPACE = 0, kDLA_MANAGED_SRAM = 1, kDLA_LOCAL_DRAM = 2, kDLA_GLOBAL_DRAM = 3, kTACTIC_DRAM = 4 };
enum class ProfilingVerbosity : int32_t {
    kLAYER_NAMES_ONLY = 0, kNONE = 1, kDETAILED = 2,
    kDEFAULT TRT_DEPRECATED_ENUM = kLAYER_NAMES_ONLY, kVERBOSE TRT_DEPRECATED_ENUM = kDETAILED,
};
#endif

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

#if FAKE_TRT_AT_LEAST(110000)
// 11.x: every network is strongly typed; the flag stays, deprecated, at a new value.
enum class NetworkDefinitionCreationFlag : int32_t {
    kSTRONGLY_TYPED TRT_DEPRECATED_ENUM = 0, kPREFER_JIT_PYTHON_PLUGINS = 1, kPREFER_AOT_PYTHON_PLUGINS = 2,
};
#elif FAKE_TRT_AT_LEAST(100000)
// 10.x: every network is explicit-batch; kEXPLICIT_BATCH is deprecated.
enum class NetworkDefinitionCreationFlag : int32_t {
    kEXPLICIT_BATCH TRT_DEPRECATED_ENUM = 0, kSTRONGLY_TYPED = 1,
#if FAKE_TRT_AT_LEAST(100900)
    kPREFER_JIT_PYTHON_PLUGINS = 2, kPREFER_AOT_PYTHON_PLUGINS = 3,
#endif
};
#else
// 8.6: no strong typing yet (9.1 added it).
enum class NetworkDefinitionCreationFlag : int32_t { kEXPLICIT_BATCH = 0, kEXPLICIT_PRECISION TRT_DEPRECATED_ENUM = 1 };
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

#if FAKE_TRT_AT_LEAST(100000)
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
#if FAKE_TRT_AT_LEAST(100000)
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
#if FAKE_TRT_AT_LEAST(110000)
    // 11.0 removed getPluginCreator.
    virtual IPluginCreatorInterface* getCreator(AsciiChar const* const pluginName, AsciiChar const* const pluginVersion,
        AsciiChar const* const pluginNamespace = "") noexcept = 0;
#elif FAKE_TRT_AT_LEAST(100000)
    TRT_DEPRECATED virtual IPluginCreator* getPluginCreator(AsciiChar const* const pluginName,
        AsciiChar const* const pluginVersion, AsciiChar const* const pluginNamespace = "") noexcept = 0;
    virtual IPluginCreatorInterface* getCreator(AsciiChar const* const pluginName, AsciiChar const* const pluginVersion,
        AsciiChar const* const pluginNamespace = "") noexcept = 0;
#else
    virtual IPluginCreator* getPluginCreator(AsciiChar const* const pluginName, AsciiChar const* const pluginVersion,
        AsciiChar const* const pluginNamespace = "") noexcept = 0;
#endif

protected:
    virtual ~IPluginRegistry() noexcept = default;
};

IBuilder* createInferBuilder(ILogger& logger) noexcept;
IRuntime* createInferRuntime(ILogger& logger) noexcept;

} // namespace nvinfer1

extern "C" nvinfer1::IPluginRegistry* getPluginRegistry() noexcept;
