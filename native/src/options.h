// Command line of the builder. The driver (src/trt/builder-args.ts) is the only intended caller,
// but the syntax is kept human-usable so the binary can be run by hand when debugging.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace osg {

// min/opt/max dimensions of one network input, as TensorRT's optimization profile wants them.
struct InputShapeRange {
    std::string name;
    std::vector<int64_t> min;
    std::vector<int64_t> opt;
    std::vector<int64_t> max;
};

// A plugin creator the model needs: the build stops before parsing when it is not registered.
struct RequiredPlugin {
    std::string name;
    std::string version;
};

struct BuilderOptions {
    std::string onnxPath;
    std::string enginePath;
    // Weakly typed FP16 (BuilderFlag::kFP16); only where trt_compat.h's OSG_TRT_WEAK_FP16 holds.
    bool fp16 = false;
    // Strongly typed network: precision comes from the ONNX tensor types (always so on 11.x).
    bool stronglyTyped = false;
    // Plugin layers (by layer name or output tensor name) pinned to FP32 when fp16 is set.
    std::vector<std::string> fp32PluginLayers;
    std::vector<RequiredPlugin> requiredPlugins;
    bool tf32 = true;
    // 0 keeps TensorRT's default workspace limit (the device's global memory).
    int64_t workspaceMiB = 0;
    std::vector<InputShapeRange> shapes;
    std::string timingCachePath;
    // Number of timed inference iterations; 0 skips the benchmark.
    int benchmarkIterations = 0;
    int warmupIterations = 20;
    // Emit one layer-precision event per engine layer (always on with --fp16).
    bool layerReport = false;
    bool verbose = false;
    bool printVersion = false;
    bool showHelp = false;
};

// Parses "1x3x640x640" into {1,3,640,640}. Throws std::invalid_argument with a readable message.
std::vector<int64_t> parseDims(const std::string& text);

// Parses "name:MIN/OPT/MAX" (or "name:SHAPE" for a fixed shape). The name is everything before the
// last ':' because ONNX tensor names may themselves contain ':' (TensorFlow exports: "input:0").
InputShapeRange parseShapeRange(const std::string& text);

// Parses "NAME:VERSION" (the name is everything before the last ':').
RequiredPlugin parseRequiredPlugin(const std::string& text);

// Parses argv. Throws std::invalid_argument on a usage error.
BuilderOptions parseOptions(int argc, char** argv);

// Usage text printed by --help.
const char* usageText();

} // namespace osg
