#include "json_events.h"

#include <cmath>
#include <cstdio>
#include <iostream>

namespace osg {

std::string jsonEscape(const std::string& text) {
    std::string out;
    out.reserve(text.size() + 8);
    for (unsigned char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buffer[8];
                    std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
                    out += buffer;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out;
}

void JsonObject::key(const char* name) {
    if (!body_.empty()) body_ += ',';
    body_ += '"';
    body_ += jsonEscape(name);
    body_ += "\":";
}

JsonObject& JsonObject::str(const char* name, const std::string& value) {
    key(name);
    body_ += '"';
    body_ += jsonEscape(value);
    body_ += '"';
    return *this;
}

JsonObject& JsonObject::num(const char* name, double value) {
    key(name);
    if (!std::isfinite(value)) {
        // JSON has no NaN/Infinity; null tells the driver "not measured".
        body_ += "null";
        return *this;
    }
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
    body_ += buffer;
    return *this;
}

JsonObject& JsonObject::integer(const char* name, int64_t value) {
    key(name);
    body_ += std::to_string(value);
    return *this;
}

JsonObject& JsonObject::boolean(const char* name, bool value) {
    key(name);
    body_ += value ? "true" : "false";
    return *this;
}

JsonObject& JsonObject::intArray(const char* name, const std::vector<int64_t>& values) {
    key(name);
    body_ += '[';
    for (size_t i = 0; i < values.size(); ++i) {
        if (i) body_ += ',';
        body_ += std::to_string(values[i]);
    }
    body_ += ']';
    return *this;
}

JsonObject& JsonObject::strArray(const char* name, const std::vector<std::string>& values) {
    key(name);
    body_ += '[';
    for (size_t i = 0; i < values.size(); ++i) {
        if (i) body_ += ',';
        body_ += '"';
        body_ += jsonEscape(values[i]);
        body_ += '"';
    }
    body_ += ']';
    return *this;
}

JsonObject& JsonObject::raw(const char* name, const std::string& json) {
    key(name);
    body_ += json.empty() ? "null" : json;
    return *this;
}

std::string JsonObject::text() const {
    return "{" + body_ + "}";
}

JsonObject event(const char* name) {
    JsonObject object;
    object.str("event", name);
    return object;
}

void emit(const JsonObject& object) {
    std::cout << object.text() << '\n' << std::flush;
}

} // namespace osg
