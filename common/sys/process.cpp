#include "sys/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cni/error.hpp"
#include "sys/unique_fd.hpp"

namespace cni::sys {

namespace {
[[noreturn]] void fail(const std::string& what, int err) {
  throw Error(Code::System, what + ": " + std::strerror(err));
}

void make_pipe(UniqueFd& r, UniqueFd& w) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) fail("pipe", errno);
  r.reset(fds[0]);
  w.reset(fds[1]);
}

// Writes `input` to the child's stdin and reads its stdout at the same time, so neither side
// can block the other whatever the sizes.
std::string pump(UniqueFd& in_w, UniqueFd& out_r, std::string_view input) {
  std::string out;
  std::size_t written = 0;
  if (input.empty()) in_w.reset();
  fcntl(out_r.get(), F_SETFL, O_NONBLOCK);
  if (in_w) fcntl(in_w.get(), F_SETFL, O_NONBLOCK);
  char buf[16384];
  while (out_r) {
    pollfd fds[2] = {{out_r.get(), POLLIN, 0}, {in_w ? in_w.get() : -1, POLLOUT, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      fail("poll", errno);
    }
    if (in_w && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = write(in_w.get(), input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) in_w.reset();  // child closed stdin
      if (written == input.size()) in_w.reset();
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(out_r.get(), buf, sizeof buf);
      if (n > 0) {
        out.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        out_r.reset();
      }
    }
  }
  return out;
}
}  // namespace

ProcessResult run_process(const std::string& path, const std::vector<std::string>& env,
                          std::string_view input) {
  UniqueFd in_r, in_w, out_r, out_w;
  make_pipe(in_r, in_w);
  make_pipe(out_r, out_w);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_r.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_w.get(), STDOUT_FILENO);

  std::vector<char*> envp;
  for (const auto& e : env)
    envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  std::string arg0 = path;
  char* argv[] = {arg0.data(), nullptr};

  // A child that exits early must not kill us with SIGPIPE while we write its stdin.
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &old);

  pid_t pid = -1;
  int rc = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  in_r.reset();
  out_w.reset();
  if (rc != 0) {
    sigaction(SIGPIPE, &old, nullptr);
    fail("execute " + path, rc);
  }

  ProcessResult result;
  try {
    result.out = pump(in_w, out_r, input);
  } catch (...) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    sigaction(SIGPIPE, &old, nullptr);
    throw;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      sigaction(SIGPIPE, &old, nullptr);
      fail("wait for " + path, errno);
    }
  }
  sigaction(SIGPIPE, &old, nullptr);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace cni::sys
