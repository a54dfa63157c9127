#include "engine_builder.h"

#include "file_io.h"
#include "json_events.h"
#include "optimization_profile.h"
#include "precision.h"
#include "trt_compat.h"

#include <NvInferPlugin.h>

#include <chrono>
#include <string>
#include <vector>

namespace osg {

namespace {

void emitError(const char* stage, const std::string& message, const JsonLogger& logger) {
    JsonObject object = event("error");
    object.str("stage", stage).str("message", message);
    if (!logger.errors().empty()) object.str("tensorrt_error", logger.errors().back());
    emit(object);
}

std::string tensorListJson(const std::vector<nvinfer1::ITensor*>& tensors) {
    std::string json = "[";
    for (size_t i = 0; i < tensors.size(); ++i) {
        if (i) json += ',';
        JsonObject object;
        object.str("name", tensors[i]->getName())
            .intArray("dims", fromDims(tensors[i]->getDimensions()))
            .str("dtype", dataTypeName(tensors[i]->getType()));
        json += object.text();
    }
    return json + "]";
}

void emitNetworkSummary(nvinfer1::INetworkDefinition& network) {
    std::vector<nvinfer1::ITensor*> inputs;
    std::vector<nvinfer1::ITensor*> outputs;
    for (int32_t i = 0; i < network.getNbInputs(); ++i) inputs.push_back(network.getInput(i));
    for (int32_t i = 0; i < network.getNbOutputs(); ++i) outputs.push_back(network.getOutput(i));
    emit(event("network")
             .integer("layers", network.getNbLayers())
             .raw("inputs", tensorListJson(inputs))
             .raw("outputs", tensorListJson(outputs)));
}

bool parseOnnx(nvonnxparser::IParser& parser, const BuilderOptions& options, const JsonLogger& logger) {
    emit(event("phase").str("phase", "parse"));
    const int verbosity = static_cast<int>(options.verbose ? nvinfer1::ILogger::Severity::kINFO
                                                           : nvinfer1::ILogger::Severity::kWARNING);
    if (parser.parseFromFile(options.onnxPath.c_str(), verbosity)) return true;
    const int count = parser.getNbErrors();
    for (int i = 0; i < count; ++i) {
        const nvonnxparser::IParserError* error = parser.getError(i);
        if (error == nullptr) continue;
        const ParserErrorInfo info = describeParserError(*error);
        emit(event("parse-error")
                 .integer("index", i)
                 .integer("code", info.code)
                 .integer("node", info.nodeIndex)
                 .str("node_name", info.nodeName)
                 .str("op", info.nodeOperator)
                 .str("desc", info.description));
    }
    emitError("parse", "the ONNX parser rejected the model (" + std::to_string(count) + " error(s))", logger);
    return false;
}

// Registers TensorRT's plugins and reports which MSDA versions exist; false (after an "error"
// event) when a plugin the model needs is missing, so the parser never gets to abort on it.
bool registerPlugins(const BuilderOptions& options, JsonLogger& logger) {
    // The ONNX parser's fallback importer turns an unknown op (MultiscaleDeformableAttnPlugin_TRT)
    // into a plugin by looking its name up in the plugin registry; the registry only knows the
    // built-in plugins after initLibNvInferPlugins, so this must run before parsing.
    const bool pluginsLoaded = initLibNvInferPlugins(&logger, "");
    std::vector<std::string> checked;
    std::vector<std::string> registered;
    for (const char* version : kMsdaPluginVersions) {
        checked.emplace_back(version);
        if (pluginCreatorRegistered(kMsdaPluginName, version, "")) registered.emplace_back(version);
    }
    emit(event("plugins")
             .boolean("initialized", pluginsLoaded)
             .str("name", kMsdaPluginName)
             .strArray("checked_versions", checked)
             .strArray("registered_versions", registered));
    for (const RequiredPlugin& plugin : options.requiredPlugins) {
        if (pluginCreatorRegistered(plugin.name.c_str(), plugin.version.c_str(), "")) continue;
        emitError("plugins", plugin.name + " version " + plugin.version + " is not registered by TensorRT " +
                                 tensorRtVersionString() + (pluginsLoaded ? "" : " (initLibNvInferPlugins failed)"),
                  logger);
        return false;
    }
    return true;
}

// Loads the timing cache file if there is one (a missing file simply starts an empty cache).
std::unique_ptr<nvinfer1::ITimingCache> attachTimingCache(nvinfer1::IBuilderConfig& config, const BuilderOptions& options) {
    if (options.timingCachePath.empty()) return nullptr;
    std::vector<char> blob;
    const bool loaded = readFile(options.timingCachePath, blob);
    std::unique_ptr<nvinfer1::ITimingCache> cache(
        config.createTimingCache(loaded ? blob.data() : nullptr, loaded ? blob.size() : 0));
    if (cache == nullptr) return nullptr;
    // ignoreMismatch=false: a cache from another GPU/TensorRT version is refused, not silently used.
    if (!config.setTimingCache(*cache, false)) {
        emit(event("log").str("severity", "warning").str("message",
            "timing cache '" + options.timingCachePath + "' does not match this GPU or TensorRT version; "
            "building without it and replacing it with a fresh one"));
        cache.reset(config.createTimingCache(nullptr, 0));
        if (cache == nullptr || !config.setTimingCache(*cache, false)) return nullptr;
    }
    emit(event("timing-cache-loaded")
             .str("path", options.timingCachePath)
             .boolean("existed", loaded)
             .integer("bytes", loaded ? static_cast<int64_t>(blob.size()) : 0));
    return cache;
}

void saveTimingCache(nvinfer1::IBuilderConfig& config, const BuilderOptions& options) {
    if (options.timingCachePath.empty()) return;
    const nvinfer1::ITimingCache* cache = config.getTimingCache();
    if (cache == nullptr) return;
    std::unique_ptr<nvinfer1::IHostMemory> blob(cache->serialize());
    std::string error;
    if (blob == nullptr || !writeFileAtomically(options.timingCachePath, blob->data(), blob->size(), error)) {
        emit(event("log").str("severity", "warning").str("message", "timing cache not saved: " + error));
        return;
    }
    emit(event("timing-cache-written").str("path", options.timingCachePath).integer("bytes", static_cast<int64_t>(blob->size())));
}

} // namespace

std::unique_ptr<nvinfer1::IHostMemory> buildAndWriteEngine(const BuilderOptions& options, JsonLogger& logger) {
    if (!registerPlugins(options, logger)) return nullptr;

    std::unique_ptr<nvinfer1::IBuilder> builder(nvinfer1::createInferBuilder(logger));
    if (builder == nullptr) {
        emitError("init", "createInferBuilder failed (is a CUDA device visible?)", logger);
        return nullptr;
    }
    std::unique_ptr<nvinfer1::INetworkDefinition> network(builder->createNetworkV2(networkCreationFlags(options.stronglyTyped)));
    std::unique_ptr<nvonnxparser::IParser> parser(nvonnxparser::createParser(*network, logger));
    if (network == nullptr || parser == nullptr) {
        emitError("init", "could not create the network definition or the ONNX parser", logger);
        return nullptr;
    }
    if (!parseOnnx(*parser, options, logger)) return nullptr;
    emitNetworkSummary(*network);

    std::unique_ptr<nvinfer1::IBuilderConfig> config(builder->createBuilderConfig());
    std::string precisionError;
    if (!configurePrecision(*network, *config, options, precisionError)) {
        emitError("precision", precisionError, logger);
        return nullptr;
    }
    std::string profileError;
    if (!addOptimizationProfile(*builder, *network, *config, options.shapes, profileError)) {
        emitError("profile", profileError, logger);
        return nullptr;
    }
    std::unique_ptr<nvinfer1::ITimingCache> timingCache = attachTimingCache(*config, options);

    emit(event("phase").str("phase", "build"));
    const auto started = std::chrono::steady_clock::now();
    std::unique_ptr<nvinfer1::IHostMemory> serialized(builder->buildSerializedNetwork(*network, *config));
    const double buildSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (serialized == nullptr || serialized->size() == 0) {
        emitError("build", "buildSerializedNetwork failed", logger);
        return nullptr;
    }
    saveTimingCache(*config, options);

    std::string writeError;
    if (!writeFileAtomically(options.enginePath, serialized->data(), serialized->size(), writeError)) {
        emitError("write", writeError, logger);
        return nullptr;
    }
    emit(event("engine-written")
             .str("engine", options.enginePath)
             .integer("bytes", static_cast<int64_t>(serialized->size()))
             .num("build_seconds", buildSeconds));
    return serialized;
}

} // namespace osg
