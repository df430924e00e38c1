#pragma once

// Fault injection for crash-consistency tests (integration/test_fault_injection.sh).
// Compiled in only with -DCNI_FAULT_INJECTION=ON; otherwise every point is an inline no-op.

namespace cni::fault {

#ifdef CNI_FAULT_INJECTION
/// A named place in a command's flow, right after a step that created state. When the env
/// CNI_FAULT_POINT equals `name`: with CNI_FAULT_MODE=fail (the default) throws
/// cni::Error{Internal, "fault injected at <name>"} so the normal rollback runs; with
/// CNI_FAULT_MODE=abort writes that message to stderr and calls std::abort() (a crash: no
/// rollback, no unlock). Acts in no namespace.
void point(const char* name);
#else
inline void point(const char*) noexcept {}
#endif

}  // namespace cni::fault
