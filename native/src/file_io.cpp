#include "file_io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <unistd.h>

namespace osg {

bool readFile(const std::string& path, std::vector<char>& contents) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return false;
    const std::streamsize size = in.tellg();
    if (size < 0) return false;
    contents.resize(static_cast<size_t>(size));
    in.seekg(0);
    return static_cast<bool>(in.read(contents.data(), size));
}

bool writeFileAtomically(const std::string& path, const void* data, size_t size, std::string& error) {
    const std::string temporary = path + ".tmp-" + std::to_string(static_cast<long>(getpid()));
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) {
            error = "cannot open '" + temporary + "' for writing: " + std::strerror(errno);
            return false;
        }
        out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
        out.flush();
        if (!out) {
            error = "writing '" + temporary + "' failed: " + std::strerror(errno);
            std::remove(temporary.c_str());
            return false;
        }
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        error = "renaming '" + temporary + "' to '" + path + "' failed: " + std::strerror(errno);
        std::remove(temporary.c_str());
        return false;
    }
    return true;
}

} // namespace osg
