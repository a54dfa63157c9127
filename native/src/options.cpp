#include "options.h"

#include <stdexcept>

namespace osg {

namespace {

int64_t parsePositive(const std::string& text, const std::string& what) {
    if (text.empty()) throw std::invalid_argument(what + ": empty number");
    int64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') throw std::invalid_argument(what + ": '" + text + "' is not a non-negative integer");
        value = value * 10 + (c - '0');
        if (value > (int64_t(1) << 40)) throw std::invalid_argument(what + ": '" + text + "' is too large");
    }
    return value;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
        size_t at = text.find(separator, start);
        parts.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
        if (at == std::string::npos) return parts;
        start = at + 1;
    }
}

std::string requireValue(int& i, int argc, char** argv) {
    std::string flag = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value");
    return argv[++i];
}

} // namespace

std::vector<int64_t> parseDims(const std::string& text) {
    std::vector<int64_t> dims;
    // A scalar input has rank 0: its shape is written as an empty string.
    if (text.empty()) return dims;
    for (const std::string& part : split(text, 'x')) dims.push_back(parsePositive(part, "dimension in '" + text + "'"));
    return dims;
}

InputShapeRange parseShapeRange(const std::string& text) {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        throw std::invalid_argument("--shape '" + text + "': expected NAME:MIN/OPT/MAX, e.g. images:1x3x640x640/1x3x800x800/4x3x1333x1333");
    }
    InputShapeRange range;
    range.name = text.substr(0, colon);
    std::vector<std::string> parts = split(text.substr(colon + 1), '/');
    if (parts.size() == 1) {
        range.min = range.opt = range.max = parseDims(parts[0]);
    } else if (parts.size() == 3) {
        range.min = parseDims(parts[0]);
        range.opt = parseDims(parts[1]);
        range.max = parseDims(parts[2]);
    } else {
        throw std::invalid_argument("--shape '" + text + "': expected 1 or 3 shapes separated by '/', found " + std::to_string(parts.size()));
    }
    if (range.min.size() != range.opt.size() || range.opt.size() != range.max.size()) {
        throw std::invalid_argument("--shape '" + text + "': min, opt and max must have the same rank");
    }
    for (size_t d = 0; d < range.min.size(); ++d) {
        if (!(range.min[d] <= range.opt[d] && range.opt[d] <= range.max[d])) {
            throw std::invalid_argument("--shape '" + text + "': dimension " + std::to_string(d) + " needs min <= opt <= max");
        }
    }
    return range;
}

RequiredPlugin parseRequiredPlugin(const std::string& text) {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
        throw std::invalid_argument("--require-plugin '" + text + "': expected NAME:VERSION, e.g. MultiscaleDeformableAttnPlugin_TRT:1");
    }
    return {text.substr(0, colon), text.substr(colon + 1)};
}

BuilderOptions parseOptions(int argc, char** argv) {
    BuilderOptions options;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--onnx") options.onnxPath = requireValue(i, argc, argv);
        else if (arg == "--engine") options.enginePath = requireValue(i, argc, argv);
        else if (arg == "--fp16") options.fp16 = true;
        else if (arg == "--strongly-typed") options.stronglyTyped = true;
        else if (arg == "--fp32-plugin-layer") options.fp32PluginLayers.push_back(requireValue(i, argc, argv));
        else if (arg == "--require-plugin") options.requiredPlugins.push_back(parseRequiredPlugin(requireValue(i, argc, argv)));
        else if (arg == "--no-tf32") options.tf32 = false;
        else if (arg == "--workspace-mib") options.workspaceMiB = parsePositive(requireValue(i, argc, argv), "--workspace-mib");
        else if (arg == "--shape") options.shapes.push_back(parseShapeRange(requireValue(i, argc, argv)));
        else if (arg == "--timing-cache") options.timingCachePath = requireValue(i, argc, argv);
        else if (arg == "--benchmark") options.benchmarkIterations = static_cast<int>(parsePositive(requireValue(i, argc, argv), "--benchmark"));
        else if (arg == "--warmup") options.warmupIterations = static_cast<int>(parsePositive(requireValue(i, argc, argv), "--warmup"));
        else if (arg == "--layer-report") options.layerReport = true;
        else if (arg == "--verbose") options.verbose = true;
        else if (arg == "--version") options.printVersion = true;
        else if (arg == "--help" || arg == "-h") options.showHelp = true;
        else throw std::invalid_argument("unknown argument '" + arg + "' (see --help)");
    }
    if (options.showHelp || options.printVersion) return options;
    if (options.onnxPath.empty()) throw std::invalid_argument("--onnx PATH is required");
    if (options.enginePath.empty()) throw std::invalid_argument("--engine PATH is required");
    if (options.fp16 && options.stronglyTyped) {
        throw std::invalid_argument("--fp16 (a builder flag) and --strongly-typed exclude each other: a strongly typed network takes FP16 from the model's tensor types");
    }
    if (!options.fp32PluginLayers.empty() && !options.fp16) {
        throw std::invalid_argument("--fp32-plugin-layer pins layers of a weakly typed FP16 build: it needs --fp16");
    }
    if (options.fp16) options.layerReport = true;
    return options;
}

const char* usageText() {
    return "onnx-surgeon-trt-builder: ONNX -> serialized TensorRT engine (driven by `onnx-surgeon build`)\n"
           "\n"
           "  --onnx PATH              ONNX model to parse\n"
           "  --engine PATH            where to write the serialized engine (written atomically)\n"
           "  --fp16                   allow FP16 kernels: weakly typed build (TensorRT 8.6-10.11; implies --layer-report)\n"
           "  --fp32-plugin-layer NAME pin this plugin layer (layer or output tensor name) to FP32 in an --fp16 build\n"
           "  --strongly-typed         strongly typed network: precision from the ONNX tensor types (default on 11.x)\n"
           "  --require-plugin N:V     fail before parsing unless plugin N version V is registered\n"
           "  --no-tf32                forbid TF32 for FP32 math\n"
           "  --workspace-mib N        workspace memory pool limit in MiB\n"
           "  --shape NAME:MIN/OPT/MAX optimization profile for a dynamic input, dims as 1x3x640x640\n"
           "  --timing-cache PATH      read the timing cache if present, write it back after the build\n"
           "  --benchmark N            time N inferences on random inputs (opt shapes)\n"
           "  --warmup N               untimed inferences before the benchmark (default 20)\n"
           "  --layer-report           print the precision TensorRT chose for every layer\n"
           "  --verbose                forward TensorRT's info messages\n"
           "  --version                print the TensorRT version compiled against and exit\n"
           "\n"
           "stdout: one JSON object per line ({\"event\":...}); stderr: human-readable diagnostics.\n"
           "exit status: 0 ok, 1 build failure, 2 usage error\n";
}

} // namespace osg
