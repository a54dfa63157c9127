// Precision of the build: TF32, workspace and profiling settings, and how FP16 is obtained.
//   - weakly typed (TensorRT 8.6-10.11, --fp16): BuilderFlag::kFP16, with the listed plugin layers
//     pinned to FP32 (layer precision + output type, obeyed), because TensorRT's FP16 kernel of
//     MultiscaleDeformableAttnPlugin_TRT is inaccurate at real feature-map sizes;
//   - strongly typed (--strongly-typed on 9.1-10.x, always on 11.x): no precision flag at all;
//     every tensor has the type the ONNX model gives it.
#pragma once

#include "options.h"

#include <NvInfer.h>

#include <string>

namespace osg {

// Checks the precision options against what the headers this binary was compiled with offer
// (--fp16 needs weak typing, --strongly-typed needs 9.1+). Returns an empty string when fine.
std::string precisionOptionsError(const BuilderOptions& options);

// Applies the precision options to config and, for --fp16, pins the requested plugin layers.
// Emits one "layer-pinned" event per pinned layer and a "precision" summary. Returns false and
// sets error when a requested layer is not a plugin layer of the parsed network.
bool configurePrecision(nvinfer1::INetworkDefinition& network, nvinfer1::IBuilderConfig& config,
                        const BuilderOptions& options, std::string& error);

} // namespace osg
