# Compiles results.cpp once per CASE (-fsyntax-only): CASE 0 must compile, every other CASE must
# be refused for an ignored [[nodiscard]] result. Arguments: CXX, STD (the compiler's C++23 flag),
# FLAGS (more flags, a list), INCLUDE, SOURCE, CASES.
foreach(case RANGE ${CASES})
  execute_process(
    COMMAND ${CXX} ${STD} ${FLAGS} -fsyntax-only -Werror=unused-result -DCASE=${case} -I${INCLUDE} ${SOURCE}
    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(case EQUAL 0 AND NOT status EQUAL 0)
    message(FATAL_ERROR "CASE 0 (every result used) does not compile:\n${out}")
  elseif(NOT case EQUAL 0 AND (status EQUAL 0 OR NOT out MATCHES "nodiscard"))
    message(FATAL_ERROR "CASE ${case} drops a result and still compiles, or fails for another reason:\n${out}")
  endif()
endforeach()
