# The Debian package: `cpack -G DEB` in a build directory makes cni-plugins-cpp_<version>_<arch>.deb
# with the plugins and cnitool in CNI_INSTALL_BINDIR (/opt/cni/bin: where containerd, CRI-O and
# the kubelet look by default), README.md and the conf/ examples in /usr/share/doc. Debian's
# containernetworking-plugins lives in /usr/lib/cni: the two install side by side.
# integration/test_package.sh builds it and checks its contents.
include(GNUInstallDirs)

install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/conf/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
        USE_SOURCE_PERMISSIONS)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)  # the docs; the binaries go to the absolute CNI_INSTALL_BINDIR
set(CPACK_PACKAGE_NAME ${PROJECT_NAME})
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "cni-plugins-cpp maintainers <maintainers@localhost>"
    CACHE STRING "The .deb's Maintainer field")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "CNI plugins (bridge, ptp, host-local, ...) in C++20")
# The Description's first line is the summary; this is the rest.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Drop-in replacements for the Go reference CNI plugins (containernetworking/plugins):
bridge, veth (ptp), loopback, host-local, portmap, firewall, tuning and bandwidth,
installed with cnitool in /opt/cni/bin, where containerd, CRI-O and the kubelet look
by default. Debian's containernetworking-plugins (/usr/lib/cni) is left alone.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # cni-plugins-cpp_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends from what the binaries really link (dpkg-shlibdeps): libc6 and libmnl0 with the
# default static dependencies (cmake/dependencies.cmake), plus the C++ runtime for cnitool
# (tools/ links it dynamically); more with CNI_STATIC_DEPS=OFF.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The upstream Kubernetes repository's package puts the reference binaries in /opt/cni/bin too.
set(CPACK_DEBIAN_PACKAGE_CONFLICTS kubernetes-cni)
set(CPACK_STRIP_FILES ON)
include(CPack)
