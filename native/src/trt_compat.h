// The few places where TensorRT 8.6, 10.x and 11.x differ for what this builder does, in one file.
// Everything else (buildSerializedNetwork, setMemoryPoolLimit, name-based I/O with
// setTensorAddress/enqueueV3, IEngineInspector) exists with the same spelling in all of them.
// Checked by compiling against the real headers of 8.6.1, 10.0, 10.8, 10.13 and 11.1 with
// deprecation warnings on (docs/tensorrt.md, "What was checked against real headers").
#pragma once

#include <NvInfer.h>
#include <NvInferVersion.h>
#include <NvOnnxParser.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#if !defined(NV_TENSORRT_MAJOR)
#error "NvInferVersion.h did not define NV_TENSORRT_MAJOR"
#endif

// True when the headers are TensorRT MAJOR.MINOR or newer.
#define OSG_TRT_AT_LEAST(major, minor) \
    (NV_TENSORRT_MAJOR > (major) || (NV_TENSORRT_MAJOR == (major) && NV_TENSORRT_MINOR >= (minor)))

#if !OSG_TRT_AT_LEAST(8, 6)
#error "onnx-surgeon's builder needs TensorRT 8.6 or newer (MultiscaleDeformableAttnPlugin_TRT, name-based I/O)"
#endif

namespace osg {

inline std::string tensorRtVersionString() {
    return std::to_string(NV_TENSORRT_MAJOR) + "." + std::to_string(NV_TENSORRT_MINOR) + "." +
           std::to_string(NV_TENSORRT_PATCH);
}

// Weak typing (a builder flag allows FP16, per-layer constraints pin precision) is how TensorRT
// 8.6-10.11 build FP16 engines from FP32 models. 10.12 deprecated all of it (kFP16,
// kOBEY_PRECISION_CONSTRAINTS, ILayer::setPrecision/setOutputType: "superseded by strong typing")
// and 11.0 removed kFP16, so from 10.12 on this builder never calls it: FP16 comes from an FP16
// ONNX model (`onnx-surgeon convert --fp16`) in a strongly typed network.
#define OSG_TRT_WEAK_FP16 (!OSG_TRT_AT_LEAST(10, 12))

// NetworkDefinitionCreationFlag::kSTRONGLY_TYPED exists since 9.1; 11.0 deprecated it because every
// network is strongly typed.
#define OSG_TRT_STRONG_TYPING_FLAG (OSG_TRT_AT_LEAST(9, 1) && !OSG_TRT_AT_LEAST(11, 0))
#define OSG_TRT_ALWAYS_STRONGLY_TYPED OSG_TRT_AT_LEAST(11, 0)

// "unavailable" (8.6), "optional" (9.1-10.x: --strongly-typed) or "always" (11.x): what the driver
// is told in the start event.
inline const char* stronglyTypedSupport() {
#if OSG_TRT_ALWAYS_STRONGLY_TYPED
    return "always";
#elif OSG_TRT_STRONG_TYPING_FLAG
    return "optional";
#else
    return "unavailable";
#endif
}

// TensorRT 10 made every network explicit-batch and deprecated the flag; 8.6 still requires it
// for dynamic shapes and for the ONNX parser. Callers only ask for strong typing where
// stronglyTypedSupport() is not "unavailable" (options are checked first).
inline nvinfer1::NetworkDefinitionCreationFlags networkCreationFlags(bool stronglyTyped) {
    nvinfer1::NetworkDefinitionCreationFlags flags = 0U;
#if NV_TENSORRT_MAJOR < 10
    flags |= 1U << static_cast<uint32_t>(nvinfer1::NetworkDefinitionCreationFlag::kEXPLICIT_BATCH);
#endif
#if OSG_TRT_STRONG_TYPING_FLAG
    if (stronglyTyped) flags |= 1U << static_cast<uint32_t>(nvinfer1::NetworkDefinitionCreationFlag::kSTRONGLY_TYPED);
#else
    (void)stronglyTyped;
#endif
    return flags;
}

// Plugin layers as the ONNX parser's fallback importer creates them: IPluginV2 creators (the MSDA
// plugin's version "1") give kPLUGIN_V2, IPluginV3 creators (version "2", TensorRT >= 10.11) give
// kPLUGIN_V3. Identified by layer type and name only: IPluginV2Layer::getPlugin() returns the
// IPluginV2 class that every supported version marks deprecated.
inline bool isPluginLayer(const nvinfer1::ILayer& layer) {
    const nvinfer1::LayerType type = layer.getType();
#if NV_TENSORRT_MAJOR >= 10
    if (type == nvinfer1::LayerType::kPLUGIN_V3) return true;
#endif
    return type == nvinfer1::LayerType::kPLUGIN_V2;
}

// Dims holds int32_t in 8.6 (Dims32) and int64_t in 10.x (Dims64); convert through the element type
// the headers declare instead of assuming either.
using DimElement = std::remove_cv_t<std::remove_reference_t<decltype(std::declval<nvinfer1::Dims>().d[0])>>;

inline nvinfer1::Dims toDims(const std::vector<int64_t>& values) {
    nvinfer1::Dims dims{};
    dims.nbDims = static_cast<int32_t>(values.size());
    for (size_t i = 0; i < values.size() && i < static_cast<size_t>(nvinfer1::Dims::MAX_DIMS); ++i) {
        dims.d[i] = static_cast<DimElement>(values[i]);
    }
    return dims;
}

inline std::vector<int64_t> fromDims(const nvinfer1::Dims& dims) {
    std::vector<int64_t> values;
    for (int32_t i = 0; i < dims.nbDims; ++i) values.push_back(static_cast<int64_t>(dims.d[i]));
    return values;
}

// Bytes per element, 0 for types the benchmark cannot allocate (sub-byte or unknown).
inline size_t dataTypeSize(nvinfer1::DataType type) {
    switch (type) {
        case nvinfer1::DataType::kFLOAT: return 4;
        case nvinfer1::DataType::kHALF: return 2;
        case nvinfer1::DataType::kINT8: return 1;
        case nvinfer1::DataType::kINT32: return 4;
        case nvinfer1::DataType::kBOOL: return 1;
        case nvinfer1::DataType::kUINT8: return 1;
        case nvinfer1::DataType::kFP8: return 1;
#if NV_TENSORRT_MAJOR >= 10
        case nvinfer1::DataType::kBF16: return 2;
        case nvinfer1::DataType::kINT64: return 8;
#endif
        default: return 0;
    }
}

inline const char* dataTypeName(nvinfer1::DataType type) {
    switch (type) {
        case nvinfer1::DataType::kFLOAT: return "float32";
        case nvinfer1::DataType::kHALF: return "float16";
        case nvinfer1::DataType::kINT8: return "int8";
        case nvinfer1::DataType::kINT32: return "int32";
        case nvinfer1::DataType::kBOOL: return "bool";
        case nvinfer1::DataType::kUINT8: return "uint8";
        case nvinfer1::DataType::kFP8: return "float8";
#if NV_TENSORRT_MAJOR >= 10
        case nvinfer1::DataType::kBF16: return "bfloat16";
        case nvinfer1::DataType::kINT64: return "int64";
#endif
        default: return "unknown";
    }
}

// Whether a plugin creator is registered. TensorRT 10 deprecated getPluginCreator in favour of
// getCreator (which also sees IPluginV3 creators).
inline bool pluginCreatorRegistered(const char* name, const char* version, const char* pluginNamespace) {
    nvinfer1::IPluginRegistry* registry = getPluginRegistry();
    if (registry == nullptr) return false;
#if NV_TENSORRT_MAJOR >= 10
    return registry->getCreator(name, version, pluginNamespace) != nullptr;
#else
    return registry->getPluginCreator(name, version, pluginNamespace) != nullptr;
#endif
}

// What a parser error can tell about the node it failed on. TensorRT 9.1 added nodeName() and
// nodeOperator(); on 8.6 only the node index is known, and the driver maps it back to a name
// using the ONNX file it already loaded.
struct ParserErrorInfo {
    int code = 0;
    int nodeIndex = -1;
    std::string nodeName;
    std::string nodeOperator;
    std::string description;
};

inline ParserErrorInfo describeParserError(const nvonnxparser::IParserError& error) {
    ParserErrorInfo info;
    info.code = static_cast<int>(error.code());
    info.nodeIndex = error.node();
    info.description = error.desc() != nullptr ? error.desc() : "";
#if OSG_TRT_AT_LEAST(9, 1)
    if (error.nodeName() != nullptr) info.nodeName = error.nodeName();
    if (error.nodeOperator() != nullptr) info.nodeOperator = error.nodeOperator();
#endif
    return info;
}

} // namespace osg
