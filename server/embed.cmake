# Turns a file into a C++ source defining `std::string_view NAME()` in passkoop::server.
# Usage: cmake -DINPUT=file -DOUTPUT=file.cpp -DNAME=function -P embed.cmake
file(READ "${INPUT}" content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE "${OUTPUT}.tmp" "// Generated from ${INPUT}; do not edit.\n#include <string_view>\nnamespace passkoop::server {\nnamespace { constexpr char data[] = {${bytes} 0}; }\nstd::string_view ${NAME}() { return {data, sizeof data - 1}; }\n}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
