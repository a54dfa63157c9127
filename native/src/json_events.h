// JSON-lines output of the builder. Every line on stdout is one JSON object with an "event" key;
// the TypeScript driver (src/trt/events.ts) parses them. Human-readable text goes to stderr only,
// so stdout stays machine-readable whatever TensorRT prints.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace osg {

// Escapes a string for a JSON string literal (without the surrounding quotes).
std::string jsonEscape(const std::string& text);

// Builds one JSON object field by field, in insertion order.
class JsonObject {
public:
    JsonObject& str(const char* key, const std::string& value);
    JsonObject& num(const char* key, double value);
    JsonObject& integer(const char* key, int64_t value);
    JsonObject& boolean(const char* key, bool value);
    JsonObject& intArray(const char* key, const std::vector<int64_t>& values);
    JsonObject& strArray(const char* key, const std::vector<std::string>& values);
    // Inserts already-serialized JSON (an object or array produced elsewhere).
    JsonObject& raw(const char* key, const std::string& json);
    std::string text() const;

private:
    void key(const char* name);
    std::string body_;
};

// Starts an event object: {"event":"<name>", ...}.
JsonObject event(const char* name);

// Writes one event as a line on stdout and flushes, so the driver sees progress immediately.
void emit(const JsonObject& object);

} // namespace osg
