// The network side of passkoopd (Boost.Beast, asynchronous): accepts connections, reads
// requests within limits, hands them to Api::handle on a worker pool and writes the answers.
// SIGINT/SIGTERM stop accepting, finish the requests in flight, then run() returns.
#pragma once

#include "api/api.hpp"
#include "service/config.hpp"

#include <boost/asio.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>

namespace passkoop::server {

namespace net = boost::asio;

class Session;

class HttpServer {
public:
    HttpServer(const Config& config, Api& api, Metrics& metrics);
    ~HttpServer();

    // The address actually bound (useful with port 0).
    net::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
    // Runs until stop() or a SIGINT/SIGTERM; `on_hangup` runs on SIGHUP.
    void run(std::function<void()> on_hangup = {});
    void stop();
    // Runs `task` every `period` on the server's threads until it stops.
    void every(std::chrono::seconds period, std::function<void()> task);

    net::io_context& io() { return io_; }

private:
    friend class Session;
    void accept();
    void forget(Session* session);

    const Config& config_;
    Api& api_;
    Metrics& metrics_;
    net::io_context io_;
    net::thread_pool workers_;
    net::ip::tcp::acceptor acceptor_;
    net::signal_set signals_;
    net::signal_set hangup_;
    std::atomic<bool> stopping_{false};
    std::atomic<int> connections_{0};
    std::mutex sessions_mutex_;
    std::set<Session*> sessions_;
    std::vector<std::shared_ptr<net::steady_timer>> timers_;
};

// Parses "host:port" ("127.0.0.1:8080", "[::1]:8080", ":8080" = all interfaces).
[[nodiscard]] net::ip::tcp::endpoint parse_listen_address(const std::string& text);

}  // namespace passkoop::server
