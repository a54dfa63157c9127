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

struct BuilderOptions {
    std::string onnxPath;
    std::string enginePath;
    bool fp16 = false;
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

// Parses argv. Throws std::invalid_argument on a usage error.
BuilderOptions parseOptions(int argc, char** argv);

// Usage text printed by --help.
const char* usageText();

} // namespace osg
