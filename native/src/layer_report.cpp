#include "layer_report.h"

#include "json_events.h"

#include <memory>
#include <string>

namespace osg {

void reportLayerPrecisions(nvinfer1::ICudaEngine& engine) {
    std::unique_ptr<nvinfer1::IEngineInspector> inspector(engine.createEngineInspector());
    if (inspector == nullptr) {
        emit(event("log").str("severity", "warning").str("message", "engine inspector unavailable: no layer precision report"));
        return;
    }
    const int32_t layers = engine.getNbLayers();
    for (int32_t i = 0; i < layers; ++i) {
        const char* info = inspector->getLayerInformation(i, nvinfer1::LayerInformationFormat::kJSON);
        emit(event("layer-precision").integer("index", i).str("info", info != nullptr ? info : ""));
    }
    emit(event("layer-report-done").integer("layers", layers));
}

} // namespace osg
