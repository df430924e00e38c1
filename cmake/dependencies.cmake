# Third-party libraries as link targets: cni_dep_libnl, cni_dep_nftnl, cni_dep_spdlog.
#
# A CNI call is a short-lived process, and loading a dozen shared libraries is a large part of
# its run time (the Go reference binaries are static). With CNI_STATIC_DEPS (the default) the
# plugins link libstdc++, libgcc, libnl-3, libnl-route-3, libnftnl, spdlog and fmt statically;
# only libc, libm and libmnl (no static archive in Debian) stay shared. The C++ runtime is
# linked statically into the plugin executables only (CNI_EXE_LINK_OPTIONS, applied by the
# plugin directories), never into tests that load shared libraries built on libstdc++.so.
option(CNI_STATIC_DEPS "Link libstdc++, libnl, libnftnl, spdlog and fmt statically" ON)

find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(spdlog REQUIRED)
pkg_check_modules(LIBNL REQUIRED IMPORTED_TARGET libnl-3.0 libnl-route-3.0)
pkg_check_modules(NFTNL REQUIRED IMPORTED_TARGET libnftnl libmnl)

add_library(cni_dep_libnl INTERFACE)
add_library(cni_dep_nftnl INTERFACE)
add_library(cni_dep_spdlog INTERFACE)

if(CNI_STATIC_DEPS)
  find_library(CNI_NL3_ARCHIVE libnl-3.a REQUIRED)
  find_library(CNI_NLROUTE_ARCHIVE libnl-route-3.a REQUIRED)
  find_library(CNI_NFTNL_ARCHIVE libnftnl.a REQUIRED)
  target_include_directories(cni_dep_libnl SYSTEM INTERFACE ${LIBNL_INCLUDE_DIRS})
  target_link_libraries(cni_dep_libnl INTERFACE ${CNI_NLROUTE_ARCHIVE} ${CNI_NL3_ARCHIVE}
                                                Threads::Threads m)
  target_include_directories(cni_dep_nftnl SYSTEM INTERFACE ${NFTNL_INCLUDE_DIRS})
  target_link_libraries(cni_dep_nftnl INTERFACE ${CNI_NFTNL_ARCHIVE} mnl)
  # spdlog and fmt compiled into each binary (header-only use of both).
  get_target_property(_spdlog_include spdlog::spdlog_header_only INTERFACE_INCLUDE_DIRECTORIES)
  target_include_directories(cni_dep_spdlog SYSTEM INTERFACE ${_spdlog_include})
  target_compile_definitions(cni_dep_spdlog INTERFACE SPDLOG_FMT_EXTERNAL FMT_HEADER_ONLY)
  target_link_libraries(cni_dep_spdlog INTERFACE Threads::Threads)
else()
  target_link_libraries(cni_dep_libnl INTERFACE PkgConfig::LIBNL)
  target_link_libraries(cni_dep_nftnl INTERFACE PkgConfig::NFTNL)
  target_link_libraries(cni_dep_spdlog INTERFACE spdlog::spdlog)
endif()

set(CNI_EXE_LINK_OPTIONS "")
if(CNI_STATIC_DEPS AND NOT CNI_SANITIZE AND NOT CNI_FUZZ)
  set(CNI_EXE_LINK_OPTIONS -static-libstdc++ -static-libgcc)
endif()
