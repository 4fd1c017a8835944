# cmake -DSOURCE_DIR=… -DBUILD_DIR=… -DWORK_DIR=… [-DCONFIG=…] [-DLIBDIR=lib] [-DCXX_COMPILER=…]
#       [-DLINK_FLAGS=…] [-DPKG_CONFIG=…] -P install_test.cmake
# Installs BUILD_DIR into WORK_DIR/prefix, builds tests/consumer against it with
# find_package(PassKoop), runs it on every vector of tests/vectors/passes.json, and checks that
# pkg-config finds passkoop.pc (and, when a C compiler is around, that its flags link a C program).
cmake_minimum_required(VERSION 3.25)

foreach(var SOURCE_DIR BUILD_DIR WORK_DIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "install_test.cmake: -D${var}=… is required")
  endif()
endforeach()
if(NOT LIBDIR)
  set(LIBDIR lib)
endif()
set(prefix "${WORK_DIR}/prefix")
set(consumer_build "${WORK_DIR}/consumer")
set(vectors "${SOURCE_DIR}/tests/vectors")

# Runs a command; stops the test with its output if it fails. OUTPUT receives stdout.
function(run what)
  cmake_parse_arguments(PARSE_ARGV 1 R "" "OUTPUT" "COMMAND")
  execute_process(COMMAND ${R_COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  if(R_OUTPUT)
    set(${R_OUTPUT} "${out}" PARENT_SCOPE)
  endif()
endfunction()

# Unix seconds at 00:00:00Z of a YYYY-MM-DD date (days_from_civil, proleptic Gregorian).
function(unix_start_of_day date out)
  if(NOT date MATCHES "^([0-9][0-9][0-9][0-9])-([0-9][0-9])-([0-9][0-9])$")
    message(FATAL_ERROR "not a YYYY-MM-DD date: ${date}")
  endif()
  set(y "${CMAKE_MATCH_1}")
  set(m "${CMAKE_MATCH_2}")
  set(d "${CMAKE_MATCH_3}")
  # Leading zeros would read as octal in math(EXPR).
  string(REGEX REPLACE "^0+([0-9])" "\\1" y "${y}")
  string(REGEX REPLACE "^0([0-9])" "\\1" m "${m}")
  string(REGEX REPLACE "^0([0-9])" "\\1" d "${d}")
  if(m LESS_EQUAL 2)
    math(EXPR y "${y} - 1")
  endif()
  math(EXPR era "${y} / 400")  # years >= 1970: no negative division
  math(EXPR yoe "${y} - ${era} * 400")
  if(m GREATER 2)
    math(EXPR mp "${m} - 3")
  else()
    math(EXPR mp "${m} + 9")
  endif()
  math(EXPR doy "(153 * ${mp} + 2) / 5 + ${d} - 1")
  math(EXPR doe "${yoe} * 365 + ${yoe} / 4 - ${yoe} / 100 + ${doy}")
  math(EXPR days "${era} * 146097 + ${doe} - 719468")
  math(EXPR seconds "${days} * 86400")
  set(${out} "${seconds}" PARENT_SCOPE)
endfunction()

unix_start_of_day("2026-11-21" check)
if(NOT check EQUAL 1795219200)
  message(FATAL_ERROR "date arithmetic is wrong: 2026-11-21 gave ${check}")
endif()

file(REMOVE_RECURSE "${WORK_DIR}")

# 1. Install.
set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
run("cmake --install" COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" ${config_args})
foreach(f include/passkoop/passkoop.h include/passkoop/verifier.hpp
          ${LIBDIR}/cmake/PassKoop/PassKoopConfig.cmake ${LIBDIR}/cmake/PassKoop/PassKoopConfigVersion.cmake
          ${LIBDIR}/cmake/PassKoop/PassKoopTargets.cmake ${LIBDIR}/pkgconfig/passkoop.pc)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "not installed: ${prefix}/${f}")
  endif()
endforeach()

# 2. Configure and build the consumer against the installed package only.
set(consumer_args -S "${SOURCE_DIR}/tests/consumer" -B "${consumer_build}"
    "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
if(CXX_COMPILER)
  list(APPEND consumer_args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
if(LINK_FLAGS)
  list(APPEND consumer_args "-DCMAKE_EXE_LINKER_FLAGS=${LINK_FLAGS}")
endif()
if(CONFIG)
  list(APPEND consumer_args "-DCMAKE_BUILD_TYPE=${CONFIG}")
endif()
run("configuring tests/consumer" COMMAND "${CMAKE_COMMAND}" ${consumer_args})
file(STRINGS "${consumer_build}/CMakeCache.txt" found_dir REGEX "^PassKoop_DIR:")
if(NOT found_dir MATCHES "=${prefix}/")
  message(FATAL_ERROR "the consumer did not use the installed package: ${found_dir}")
endif()
run("building tests/consumer" COMMAND "${CMAKE_COMMAND}" --build "${consumer_build}" ${config_args})
set(consumer "${consumer_build}/passkoop-consumer")
if(CONFIG AND NOT EXISTS "${consumer}" AND EXISTS "${consumer_build}/${CONFIG}/passkoop-consumer")
  set(consumer "${consumer_build}/${CONFIG}/passkoop-consumer")
endif()

# 3. Run it on the test vectors; the "valid" vector must come out valid.
file(READ "${vectors}/passes.json" passes)
string(JSON count LENGTH "${passes}" vectors)
math(EXPR last "${count} - 1")
set(saw_valid FALSE)
foreach(i RANGE ${last})
  string(JSON name GET "${passes}" vectors ${i} name)
  string(JSON text GET "${passes}" vectors ${i} scanned)
  string(JSON at GET "${passes}" vectors ${i} at)
  string(JSON expected GET "${passes}" vectors ${i} expected code)
  if(text MATCHES ";")
    continue()  # a CMake list separator cannot be passed through as one argument
  endif()
  unix_start_of_day("${at}" time)
  run("consumer on vector ${name} (expected ${expected})" OUTPUT out
      COMMAND "${consumer}" "${vectors}/bundle.json" "${text}" "${time}" "${expected}")
  if(name STREQUAL "valid")
    set(saw_valid TRUE)
    set(valid_text "${text}")
    set(valid_time "${time}")
    message(STATUS "vector valid at ${at} (${time}): ${out}")
  endif()
endforeach()
if(NOT saw_valid)
  message(FATAL_ERROR "passes.json has no vector named \"valid\"")
endif()
# And a mismatch is reported as such.
execute_process(COMMAND "${consumer}" "${vectors}/bundle.json" "PK12345ABC" "1795219200" "valid"
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "the consumer should exit 1 for a malformed text expected valid, got ${rc}")
endif()

# 4. pkg-config.
if(NOT PKG_CONFIG)
  find_program(PKG_CONFIG NAMES pkg-config pkgconf REQUIRED)
endif()
set(ENV{PKG_CONFIG_PATH} "${prefix}/${LIBDIR}/pkgconfig")
run("pkg-config --cflags --libs passkoop" OUTPUT pc_flags
    COMMAND "${PKG_CONFIG}" --cflags --libs passkoop)
string(STRIP "${pc_flags}" pc_flags)
message(STATUS "pkg-config --cflags --libs passkoop: ${pc_flags}")
# The -I directory (relative to the .pc file's place) must be the installed include directory.
separate_arguments(pc_list UNIX_COMMAND "${pc_flags}")
set(pc_include_ok FALSE)
foreach(flag IN LISTS pc_list)
  if(flag MATCHES "^-I(.+)$")
    set(dir "${CMAKE_MATCH_1}")
    if(EXISTS "${dir}/passkoop/passkoop.h")
      file(REAL_PATH "${dir}" dir)
      file(REAL_PATH "${prefix}/include" installed)
      if(dir STREQUAL installed)
        set(pc_include_ok TRUE)
      endif()
    endif()
  endif()
endforeach()
if(NOT pc_include_ok OR NOT "-lpasskoop" IN_LIST pc_list OR NOT "-lsodium" IN_LIST pc_list)
  message(FATAL_ERROR "unexpected pkg-config flags: ${pc_flags}")
endif()
run("pkg-config --modversion passkoop" OUTPUT pc_version COMMAND "${PKG_CONFIG}" --modversion passkoop)
string(STRIP "${pc_version}" pc_version)
file(STRINGS "${prefix}/${LIBDIR}/cmake/PassKoop/PassKoopConfigVersion.cmake" version_line
     REGEX "set\\(PACKAGE_VERSION \"")
if(NOT version_line MATCHES "\"${pc_version}\"")
  message(FATAL_ERROR "pkg-config version ${pc_version} differs from the CMake package's: ${version_line}")
endif()

# 5. A plain C build from the pkg-config flags alone, as a Makefile-based till would do it.
find_program(C_COMPILER NAMES cc gcc clang)
if(C_COMPILER AND NOT LINK_FLAGS)
  run("cc with pkg-config flags" COMMAND "${C_COMPILER}" -std=c99 -Wall -Wextra -Wpedantic -Werror
      "${SOURCE_DIR}/tests/consumer/main.c" -o "${WORK_DIR}/consumer-pc" ${pc_list})
  run("pkg-config-built consumer on vector valid" OUTPUT out
      COMMAND "${WORK_DIR}/consumer-pc" "${vectors}/bundle.json" "${valid_text}" "${valid_time}" valid)
else()
  message(STATUS "no C compiler found (or sanitizer build): skipping the pkg-config C build")
endif()
message(STATUS "install_and_find_package: OK")
