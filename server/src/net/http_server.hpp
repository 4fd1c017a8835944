// The network side of passkoopd (Boost.Beast, asynchronous): accepts connections, reads
// requests within limits, hands them to Api::handle on a worker pool and writes the answers.
// SIGINT/SIGTERM stop accepting, finish the requests in flight, then run() returns. Plain HTTP
// or HTTPS (one session code, templated on the stream); SIGHUP re-reads the certificate.
#pragma once

#include "api/api.hpp"
#include "service/config.hpp"

#include <boost/asio.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace passkoop::server {

namespace net = boost::asio;

class ClientConnection;
template <class Stream>
class Session;

class HttpServer {
public:
    // With `tls` (load_server_context), HTTPS only; the certificate files are config.tls_cert/key.
    HttpServer(const Config& config, Api& api, Metrics& metrics, std::shared_ptr<net::ssl::context> tls = nullptr);
    ~HttpServer();

    // The address actually bound (useful with port 0).
    net::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
    // "https://127.0.0.1:8443" (or http://): where the server answers.
    std::string url() const;
    // Runs until stop() or a SIGINT/SIGTERM; on SIGHUP, `on_hangup` runs and the certificate is
    // read again (reload_tls).
    void run(std::function<void()> on_hangup = {});
    // Loads the certificate and key files again: new connections get them, those open keep the
    // old ones. A pair that does not load is logged and the one in service stays.
    void reload_tls();
    void stop();
    // Runs `task` every `period` on the server's threads until it stops.
    void every(std::chrono::seconds period, std::function<void()> task);

    net::io_context& io() { return io_; }

private:
    template <class Stream>
    friend class Session;
    void accept();
    template <class S>
    void open_session(const std::shared_ptr<S>& session);
    void forget(ClientConnection* session);
    std::shared_ptr<net::ssl::context> tls_context();

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
    std::set<ClientConnection*> sessions_;
    const bool https_;
    std::mutex tls_mutex_;
    std::shared_ptr<net::ssl::context> tls_;  // null: plain HTTP; replaced by reload_tls
    std::vector<std::shared_ptr<net::steady_timer>> timers_;
};

// Parses "host:port" ("127.0.0.1:8080", "[::1]:8080", ":8080" = all interfaces).
[[nodiscard]] net::ip::tcp::endpoint parse_listen_address(const std::string& text);

}  // namespace passkoop::server
