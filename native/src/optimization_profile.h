// One optimization profile covering every dynamic network input.
#pragma once

#include "options.h"

#include <NvInfer.h>

#include <string>
#include <vector>

namespace osg {

// Adds one profile to config with min/opt/max for every input that has a -1 dimension. Static
// inputs need no entry; if the caller gives one anyway it must equal the network's shape.
// Returns false and sets error (naming the input and dimension) when a range is missing or wrong.
bool addOptimizationProfile(nvinfer1::IBuilder& builder, nvinfer1::INetworkDefinition& network,
                            nvinfer1::IBuilderConfig& config, const std::vector<InputShapeRange>& shapes,
                            std::string& error);

} // namespace osg
