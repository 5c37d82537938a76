# The dashboard's files compiled into the binary (included by the top-level
# CMakeLists.txt after spime_channels is defined).
#
# Every .html, .js and .css under channels/dashboard/ and the vendored
# libraries' LICENSE files become byte arrays in one generated source
# (embed.cmake writes it), added to spime_channels; channels/dashboard_assets.h
# reads them. The list is globbed at configure time (CONFIGURE_DEPENDS: a
# new file re-runs CMake) and the source is regenerated when any file
# changes.
set(SPIME_DASHBOARD_DIR ${CMAKE_SOURCE_DIR}/channels/dashboard)
file(GLOB_RECURSE SPIME_DASHBOARD_FILES CONFIGURE_DEPENDS RELATIVE ${SPIME_DASHBOARD_DIR}
     ${SPIME_DASHBOARD_DIR}/*.html ${SPIME_DASHBOARD_DIR}/*.js ${SPIME_DASHBOARD_DIR}/*.css
     ${SPIME_DASHBOARD_DIR}/vendor/*/LICENSE)
list(SORT SPIME_DASHBOARD_FILES)
set(SPIME_DASHBOARD_DEPENDS "")
foreach(f IN LISTS SPIME_DASHBOARD_FILES)
  list(APPEND SPIME_DASHBOARD_DEPENDS ${SPIME_DASHBOARD_DIR}/${f})
endforeach()
set(SPIME_DASHBOARD_SOURCE ${CMAKE_BINARY_DIR}/generated/dashboard_files.cpp)
# The list travels with '|' between names (a ';' would split the argument).
string(REPLACE ";" "|" SPIME_DASHBOARD_LIST "${SPIME_DASHBOARD_FILES}")
add_custom_command(
  OUTPUT ${SPIME_DASHBOARD_SOURCE}
  COMMAND ${CMAKE_COMMAND} -DROOT=${SPIME_DASHBOARD_DIR} "-DFILES=${SPIME_DASHBOARD_LIST}"
          -DOUT=${SPIME_DASHBOARD_SOURCE} -P ${SPIME_DASHBOARD_DIR}/embed.cmake
  DEPENDS ${SPIME_DASHBOARD_DEPENDS} ${SPIME_DASHBOARD_DIR}/embed.cmake
  COMMENT "Embedding the dashboard's files"
  VERBATIM)
target_sources(spime_channels PRIVATE ${SPIME_DASHBOARD_SOURCE})
