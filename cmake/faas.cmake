# Helpers every component's CMakeLists.txt uses, so that programs, tests and
# fuzz targets are declared the same way everywhere.

# faas_program(<name> SOURCES <src...> LIBS <lib...>): a shipped program in bin/.
function(faas_program name)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_LIBS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${FAAS_BIN_DIR}")
endfunction()

# faas_test(<name> SOURCES <src...> LIBS <lib...> [LABELS <l...>] [TIMEOUT s]
#           [ARGS <arg...>]): a test executable registered with ctest.
# Tests run from the repository root, with FAAS_ROOT, FAAS_BIN_DIR and PATH
# (pinned node tools first) set, so they can find anvil, forge and our programs.
function(faas_test name)
  cmake_parse_arguments(A "" "TIMEOUT" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE faas_test_harness ${A_LIBS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/tests")
  faas_register_test(${name} $<TARGET_FILE:${name}> ${A_ARGS} LABELS ${A_LABELS} TIMEOUT ${A_TIMEOUT})
endfunction()

# faas_script_test(<name> COMMAND <cmd...> [LABELS ...] [TIMEOUT s]): a test
# that is a script or external tool (forge, node), run the same way.
function(faas_script_test name)
  cmake_parse_arguments(A "" "TIMEOUT" "COMMAND;LABELS" ${ARGN})
  faas_register_test(${name} ${A_COMMAND} LABELS ${A_LABELS} TIMEOUT ${A_TIMEOUT})
endfunction()

# faas_test_all(<prefix> [PATTERN glob] [SOURCES extra...] LIBS <lib...>
#               [LABELS ...] [TIMEOUT s] [INCLUDES dir...] [COMPILE_OPTIONS ...]
#               [DEPENDS target...] [PROPERTIES prop value...]): every
# <component>/tests/<PATTERN> (default test_*.c) as a faas_test named
# <prefix>_<file>, each also built from SOURCES, with the same settings.
function(faas_test_all prefix)
  cmake_parse_arguments(A "" "PATTERN;TIMEOUT" "SOURCES;LIBS;LABELS;INCLUDES;COMPILE_OPTIONS;DEPENDS;PROPERTIES" ${ARGN})
  if(NOT A_PATTERN)
    set(A_PATTERN test_*.c)
  endif()
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/${A_PATTERN})
  foreach(src ${srcs})
    get_filename_component(name ${src} NAME_WE)
    set(t ${prefix}_${name})
    faas_test(${t} SOURCES ${src} ${A_SOURCES} LIBS ${A_LIBS} LABELS ${A_LABELS} TIMEOUT ${A_TIMEOUT})
    if(A_INCLUDES)
      target_include_directories(${t} PRIVATE ${A_INCLUDES})
    endif()
    if(A_COMPILE_OPTIONS)
      target_compile_options(${t} PRIVATE ${A_COMPILE_OPTIONS})
    endif()
    if(A_DEPENDS)
      add_dependencies(${t} ${A_DEPENDS})
    endif()
    if(A_PROPERTIES)
      set_tests_properties(${t} PROPERTIES ${A_PROPERTIES})
    endif()
  endforeach()
endfunction()

function(faas_register_test name)
  cmake_parse_arguments(A "" "TIMEOUT" "LABELS" ${ARGN})
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND ${A_UNPARSED_ARGUMENTS} WORKING_DIRECTORY "${FAAS_ROOT}")
  set_tests_properties(${name} PROPERTIES TIMEOUT ${A_TIMEOUT} LABELS "${A_LABELS}"
    ENVIRONMENT "FAAS_ROOT=${FAAS_ROOT};FAAS_BIN_DIR=${FAAS_BIN_DIR};FAAS_BUILD_DIR=${CMAKE_BINARY_DIR};PATH=${FAAS_NODE_BIN}:$ENV{PATH}")
endfunction()

# faas_fuzz(<name> SOURCE <src> LIBS <lib...>): a libFuzzer target, built only
# with FAAS_FUZZ. ctest runs it for FAAS_FUZZ_SECONDS on its seed corpus
# (<component>/fuzz/corpus/<name>/, if present); `make fuzz` runs it longer.
function(faas_fuzz name)
  cmake_parse_arguments(A "" "SOURCE" "LIBS" ${ARGN})
  if(NOT FAAS_FUZZ)
    return()
  endif()
  add_executable(${name} ${A_SOURCE})
  target_link_libraries(${name} PRIVATE ${A_LIBS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/fuzz")
  get_filename_component(dir "${A_SOURCE}" DIRECTORY)
  set(corpus "${CMAKE_CURRENT_SOURCE_DIR}/${dir}/corpus/${name}")
  set(work "${CMAKE_BINARY_DIR}/fuzz/corpus-${name}")
  file(MAKE_DIRECTORY "${work}")
  set(seeds "")
  if(EXISTS "${corpus}")
    set(seeds "${corpus}")
  endif()
  faas_register_test(fuzz_${name} $<TARGET_FILE:${name}> -max_total_time=${FAAS_FUZZ_SECONDS}
    -rss_limit_mb=2048 "${work}" ${seeds} LABELS fuzz TIMEOUT 120)
endfunction()

# faas_fuzz_all(<prefix> LIBS <lib...>): every <component>/fuzz/fuzz_*.c as a
# fuzz target named <prefix>_fuzz_<x>.
function(faas_fuzz_all prefix)
  cmake_parse_arguments(A "" "" "LIBS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_*.c)
  foreach(src ${srcs})
    get_filename_component(name ${src} NAME_WE)
    faas_fuzz(${prefix}_${name} SOURCE fuzz/${name}.c LIBS ${A_LIBS})
  endforeach()
endfunction()
