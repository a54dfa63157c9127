// Per-layer information from TensorRT's engine inspector, so the driver can list the layers that
// stayed in FP32 when FP16 was allowed.
#pragma once

#include <NvInfer.h>

namespace osg {

// Emits one "layer-precision" event per engine layer: {"index", "info"} where "info" is the
// inspector's JSON for that layer, passed as a string (TensorRT writes it; the driver parses it, so
// one odd character can never make the event line itself unreadable). Best effort: the formats
// are only present because the build used ProfilingVerbosity::kDETAILED.
void reportLayerPrecisions(nvinfer1::ICudaEngine& engine);

} // namespace osg
