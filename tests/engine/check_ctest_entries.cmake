# Checks that ctest has one entry per Catch2 test case of shale_tests: a test
# name that catch_discover_tests splits (at ';') or mangles would otherwise
# leave that test case out of ctest without anyone noticing.
#   cmake -DTEST_EXECUTABLE=... -DCTEST_COMMAND=... -DBUILD_DIR=... -P check_ctest_entries.cmake
execute_process(COMMAND "${TEST_EXECUTABLE}" --list-test-names-only
                OUTPUT_VARIABLE names RESULT_VARIABLE listed)
# --list-test-names-only prints one name per line and exits with their count (clamped at 255).
string(REGEX MATCHALL "\n" lines "${names}")
list(LENGTH lines cases)
if(cases EQUAL 0)
  message(FATAL_ERROR "shale_tests lists no test cases (exit ${listed})")
endif()
string(FIND "${names}" ";" semicolon)
if(NOT semicolon EQUAL -1)
  message(FATAL_ERROR "a Catch2 test name contains ';', which splits its ctest entry:\n${names}")
endif()

execute_process(COMMAND "${CTEST_COMMAND}" --test-dir "${BUILD_DIR}" -N -L "^catch2$"
                OUTPUT_VARIABLE entries RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT entries MATCHES "Total Tests: ([0-9]+)")
  message(FATAL_ERROR "ctest -N failed (exit ${rc}):\n${entries}")
endif()
set(registered "${CMAKE_MATCH_1}")
if(NOT registered EQUAL cases)
  message(FATAL_ERROR "ctest has ${registered} Catch2 entries but shale_tests has ${cases} test cases; "
                      "a test name ctest cannot pass through whole? (compare `ctest -N` with --list-test-names-only)")
endif()
message(STATUS "ctest entries: ${registered} = Catch2 test cases: ${cases}")
