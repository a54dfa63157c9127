#include "optimization_profile.h"

#include "trt_compat.h"

#include <set>

namespace osg {

namespace {

std::string formatDims(const std::vector<int64_t>& dims) {
    std::string text;
    for (size_t i = 0; i < dims.size(); ++i) text += (i ? "x" : "") + std::to_string(dims[i]);
    return text.empty() ? "(scalar)" : text;
}

const InputShapeRange* findRange(const std::vector<InputShapeRange>& shapes, const std::string& name) {
    for (const InputShapeRange& range : shapes) {
        if (range.name == name) return &range;
    }
    return nullptr;
}

// Checks that a range fits the network's declared shape: same rank, static dims respected.
bool rangeFitsInput(const std::string& name, const std::vector<int64_t>& declared, const InputShapeRange& range,
                    std::string& error) {
    if (declared.size() != range.opt.size()) {
        error = "input '" + name + "' has rank " + std::to_string(declared.size()) + " (" + formatDims(declared) +
                ") but --shape gives rank " + std::to_string(range.opt.size());
        return false;
    }
    for (size_t d = 0; d < declared.size(); ++d) {
        if (declared[d] < 0) continue;
        if (range.min[d] != declared[d] || range.opt[d] != declared[d] || range.max[d] != declared[d]) {
            error = "input '" + name + "' dimension " + std::to_string(d) + " is fixed at " +
                    std::to_string(declared[d]) + " in the model; --shape must use that value";
            return false;
        }
    }
    return true;
}

} // namespace

bool addOptimizationProfile(nvinfer1::IBuilder& builder, nvinfer1::INetworkDefinition& network,
                            nvinfer1::IBuilderConfig& config, const std::vector<InputShapeRange>& shapes,
                            std::string& error) {
    std::set<std::string> inputNames;
    nvinfer1::IOptimizationProfile* profile = nullptr;
    for (int32_t i = 0; i < network.getNbInputs(); ++i) {
        nvinfer1::ITensor* input = network.getInput(i);
        const std::string name = input->getName();
        inputNames.insert(name);
        const std::vector<int64_t> declared = fromDims(input->getDimensions());
        bool dynamic = false;
        for (int64_t d : declared) dynamic = dynamic || d < 0;
        const InputShapeRange* range = findRange(shapes, name);
        if (input->isShapeTensor()) {
            // Shape tensors need setShapeValues ranges, which MSDA models never have; refuse clearly.
            error = "input '" + name + "' is a shape tensor; shape-tensor inputs are not supported by onnx-surgeon build";
            return false;
        }
        if (!dynamic) {
            if (range != nullptr && !rangeFitsInput(name, declared, *range, error)) return false;
            continue;
        }
        if (range == nullptr) {
            error = "input '" + name + "' has dynamic shape " + formatDims(declared) +
                    " (-1 = dynamic) but no --shape NAME:MIN/OPT/MAX was given for it";
            return false;
        }
        if (!rangeFitsInput(name, declared, *range, error)) return false;
        if (profile == nullptr) profile = builder.createOptimizationProfile();
        const bool ok = profile->setDimensions(name.c_str(), nvinfer1::OptProfileSelector::kMIN, toDims(range->min)) &&
                        profile->setDimensions(name.c_str(), nvinfer1::OptProfileSelector::kOPT, toDims(range->opt)) &&
                        profile->setDimensions(name.c_str(), nvinfer1::OptProfileSelector::kMAX, toDims(range->max));
        if (!ok) {
            error = "TensorRT rejected the profile for input '" + name + "': " + formatDims(range->min) + " / " +
                    formatDims(range->opt) + " / " + formatDims(range->max);
            return false;
        }
    }
    for (const InputShapeRange& range : shapes) {
        if (inputNames.count(range.name) == 0) {
            error = "--shape names '" + range.name + "', which is not an input of the parsed network";
            return false;
        }
    }
    if (profile != nullptr && config.addOptimizationProfile(profile) < 0) {
        error = "TensorRT rejected the optimization profile (see the log events above)";
        return false;
    }
    return true;
}

} // namespace osg
