// Runs the real passkoopd for integration tests: spawned on 127.0.0.1 with port 0, its port read
// from its log, stopped (SIGTERM, or SIGKILL on demand) when the object goes away. Plus a tiny
// blocking HTTP client for loopback requests.
#pragma once

#include "support.hpp"

#include <utility>  // before Boost 1.74 Asio, which uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <regex>
#include <thread>

extern char** environ;

namespace pk_test {

struct HttpResult {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // lower-case names
};

// One request on a fresh connection; throws if the server cannot be reached within `timeout`.
inline HttpResult http_request(unsigned short port, const std::string& method, const std::string& target,
                               const std::string& body = {}, const std::map<std::string, std::string>& headers = {},
                               std::chrono::seconds timeout = std::chrono::seconds(30)) {
    namespace beast = boost::beast;
    namespace http = beast::http;
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(timeout);
    stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    if (!body.empty() && !headers.contains("Content-Type")) req.set(http::field::content_type, "application/json");
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(stream, buffer, parser);
    HttpResult out;
    out.status = static_cast<int>(parser.get().result_int());
    out.body = parser.get().body();
    for (const auto& f : parser.get()) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.headers[name] = std::string(f.value());
    }
    beast::error_code ec;
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    return out;
}

// Starts passkoopd with `args`: stdin from /dev/null, stdout written to `out`, stderr appended to `err`.
inline pid_t spawn_passkoopd(const std::vector<std::string>& args, const std::filesystem::path& out,
                             const std::filesystem::path& err) {
    std::vector<std::string> full = {PASSKOOPD};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, PASSKOOPD, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start passkoopd");
    return pid;
}

// Waits for `pid` to end, killing it with SIGKILL after `timeout`; returns the waitpid status.
inline int wait_for_exit(pid_t pid, std::chrono::seconds timeout) {
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return status;
}

struct CommandResult {
    int exit_code = -1;  // -1: ended by a signal
    std::string out, err;
};

// Runs a passkoopd command to completion (killed after 60 s); its stdout and stderr go through
// numbered files in `dir`.
inline CommandResult run_passkoopd(const std::vector<std::string>& args, const std::filesystem::path& dir) {
    static std::atomic<int> counter{0};
    const int n = ++counter;
    const auto out_path = dir / ("cmd-" + std::to_string(n) + ".out");
    const auto err_path = dir / ("cmd-" + std::to_string(n) + ".err");
    const int status = wait_for_exit(spawn_passkoopd(args, out_path, err_path), std::chrono::seconds(60));
    CommandResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = read_file(out_path);
    result.err = read_file(err_path);
    return result;
}

class ServerProcess {
public:
    // `args` follow "passkoopd", e.g. {"serve", "--registry", ..., "--coop", "12", "--db", ...}.
    // "--listen 127.0.0.1:0" is added unless given.
    ServerProcess(std::vector<std::string> args, const std::filesystem::path& log_file) : log_(log_file) {
        if (std::find(args.begin(), args.end(), "--listen") == args.end()) {
            args.push_back("--listen");
            args.push_back("127.0.0.1:0");
        }
        pid_ = spawn_passkoopd(args, "/dev/null", log_);
        // The server logs "http://127.0.0.1:PORT" (or https://) once it listens.
        const std::regex listening(R"(https?://127\.0\.0\.1:(\d+))");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (std::chrono::steady_clock::now() < deadline) {
            std::smatch m;
            const std::string log = read_file(log_);
            if (std::regex_search(log, m, listening)) {
                port_ = static_cast<unsigned short>(std::stoi(m[1]));
                return;
            }
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                throw std::runtime_error("passkoopd exited at start: " + log);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        stop(SIGKILL);
        throw std::runtime_error("passkoopd did not start listening: " + read_file(log_));
    }
    ~ServerProcess() { stop(SIGTERM); }
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    unsigned short port() const { return port_; }
    pid_t pid() const { return pid_; }
    std::string log() const { return read_file(log_); }
    void signal(int sig) const { if (pid_ > 0) ::kill(pid_, sig); }

    // Sends `sig` and waits (up to 20 s, then SIGKILL); returns the exit status from waitpid.
    int stop(int sig) {
        if (pid_ <= 0) return 0;
        ::kill(pid_, sig);
        const int status = wait_for_exit(pid_, std::chrono::seconds(20));
        pid_ = -1;
        return status;
    }

    HttpResult request(const std::string& method, const std::string& target, const std::string& body = {},
                       const std::map<std::string, std::string>& headers = {}) const {
        return http_request(port_, method, target, body, headers);
    }

private:
    std::filesystem::path log_;
    pid_t pid_ = -1;
    unsigned short port_ = 0;
};

}  // namespace pk_test
