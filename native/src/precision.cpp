#include "precision.h"

#include "json_events.h"
#include "trt_compat.h"

#include <set>
#include <vector>

namespace osg {

std::string precisionOptionsError(const BuilderOptions& options) {
#if !OSG_TRT_WEAK_FP16
    if (options.fp16) {
        return "--fp16 (BuilderFlag::kFP16) is deprecated in TensorRT 10.12 and removed in 11.0; this builder uses TensorRT " +
               tensorRtVersionString() + ": build an FP16 ONNX model (onnx-surgeon convert --fp16) with --strongly-typed";
    }
#endif
#if !OSG_TRT_STRONG_TYPING_FLAG && !OSG_TRT_ALWAYS_STRONGLY_TYPED
    if (options.stronglyTyped) {
        return "--strongly-typed needs TensorRT 9.1 or newer; this builder uses TensorRT " + tensorRtVersionString();
    }
#endif
    (void)options;
    return "";
}

namespace {

#if OSG_TRT_WEAK_FP16
// Pins every plugin layer named (by layer name or by its first output's tensor name) to FP32.
bool pinPluginLayers(nvinfer1::INetworkDefinition& network, const std::vector<std::string>& wanted,
                     std::vector<std::string>& pinned, std::string& error) {
    std::set<std::string> missing(wanted.begin(), wanted.end());
    int32_t pluginLayers = 0;
    for (int32_t i = 0; i < network.getNbLayers(); ++i) {
        nvinfer1::ILayer* layer = network.getLayer(i);
        if (layer == nullptr || !isPluginLayer(*layer)) continue;
        ++pluginLayers;
        const std::string name = layer->getName();
        const std::string output = layer->getNbOutputs() > 0 && layer->getOutput(0) != nullptr ? layer->getOutput(0)->getName() : "";
        const bool byName = missing.count(name) > 0;
        if (!byName && missing.count(output) == 0) continue;
        missing.erase(byName ? name : output);
        layer->setPrecision(nvinfer1::DataType::kFLOAT);
        for (int32_t o = 0; o < layer->getNbOutputs(); ++o) layer->setOutputType(o, nvinfer1::DataType::kFLOAT);
        pinned.push_back(name);
        emit(event("layer-pinned").integer("index", i).str("layer", name).str("output", output).str("matched_by", byName ? "layer" : "output")
                 .str("precision", "float32"));
    }
    if (!missing.empty()) {
        std::string names;
        for (const std::string& m : missing) names += (names.empty() ? "'" : ", '") + m + "'";
        error = "no plugin layer named " + names + " among the network's " + std::to_string(pluginLayers) +
                " plugin layer(s): refusing to build an FP16 engine in which these plugin layers could run in FP16";
        return false;
    }
    return true;
}
#endif

} // namespace

bool configurePrecision(nvinfer1::INetworkDefinition& network, nvinfer1::IBuilderConfig& config,
                        const BuilderOptions& options, std::string& error) {
    std::vector<std::string> pinned;
#if OSG_TRT_WEAK_FP16
    if (options.fp16) {
        config.setFlag(nvinfer1::BuilderFlag::kFP16);
        if (!pinPluginLayers(network, options.fp32PluginLayers, pinned, error)) return false;
        // Obey, not prefer: a pinned layer that cannot run in FP32 fails the build instead of
        // silently running in FP16.
        if (!pinned.empty()) config.setFlag(nvinfer1::BuilderFlag::kOBEY_PRECISION_CONSTRAINTS);
    }
#else
    (void)network;
    (void)error;
#endif
    // TF32 is on by default in TensorRT; clearing it forces IEEE FP32 for FP32 layers.
    if (!options.tf32) config.clearFlag(nvinfer1::BuilderFlag::kTF32);
    if (options.workspaceMiB > 0) {
        config.setMemoryPoolLimit(nvinfer1::MemoryPoolType::kWORKSPACE, static_cast<size_t>(options.workspaceMiB) << 20);
    }
    // kDETAILED keeps per-layer formats in the engine so the inspector can report which layers
    // ended up in FP32 when FP16 was allowed.
    config.setProfilingVerbosity(nvinfer1::ProfilingVerbosity::kDETAILED);
    const bool stronglyTyped = options.stronglyTyped || OSG_TRT_ALWAYS_STRONGLY_TYPED;
    emit(event("precision")
             .str("typing", stronglyTyped ? "strong" : "weak")
             .boolean("fp16_flag", options.fp16)
             .boolean("tf32", options.tf32)
             .strArray("fp32_plugin_layers", pinned));
    return true;
}

} // namespace osg
