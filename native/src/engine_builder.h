// ONNX file -> serialized TensorRT engine, following the order TensorRT needs: plugins registered
// first, then parse, then configure (precision, workspace, profile, timing cache), then build.
#pragma once

#include "logger.h"
#include "options.h"

#include <NvInfer.h>

#include <memory>

namespace osg {

// Name under which fuse-msda's nodes are looked up in TensorRT's plugin registry, and the versions
// TensorRT has shipped: "1" (IPluginV2DynamicExt, 8.4.1+) and "2" (IPluginV3, 10.11+).
constexpr const char* kMsdaPluginName = "MultiscaleDeformableAttnPlugin_TRT";
constexpr const char* kMsdaPluginVersions[] = {"1", "2"};

// Builds the engine and writes it (and the timing cache) to disk. On failure an "error" or
// "parse-error" event has been emitted and the returned pointer is null.
std::unique_ptr<nvinfer1::IHostMemory> buildAndWriteEngine(const BuilderOptions& options, JsonLogger& logger);

} // namespace osg
