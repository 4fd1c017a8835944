#include "net/http_server.hpp"

#include "net/tls.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/json_text.hpp>
#include <passkoop/text.hpp>
#include <passkoop/verifier.hpp>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>

namespace passkoop::server {

namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {

// One JSON line per request on stderr: what operators grep and ship to their log store. Lines
// are gathered and written in blocks (a write per line cost as much as the rest of a scan's
// bookkeeping): at 16 KiB, every second and when the server stops. What came from the client
// (the method) is made printable and short first: a log line is read by people and tools.
class RequestLog {
public:
    void add(const std::string& client, std::string_view raw_method, const std::string& route, int status, double ms) {
        const std::string method = printable(raw_method, 16);
        // Keys in the order nlohmann::json would sort them, so every line has one shape.
        char ms_text[32];
        std::snprintf(ms_text, sizeof ms_text, "%.3f", ms);
        std::string line = "{\"method\":";
        append_json_string(line, method);
        line += ",\"ms\":";
        line += ms_text;
        line += ",\"remote\":";
        append_json_string(line, client);
        line += ",\"route\":";
        append_json_string(line, route);
        line += ",\"status\":" + std::to_string(status) + ",\"ts\":\"" + format_instant(unix_now()) + "\"}\n";
        std::lock_guard lock(mutex_);
        buffer_ += line;
        if (buffer_.size() >= 16 * 1024) write_out();
    }
    void flush() {
        std::lock_guard lock(mutex_);
        write_out();
    }

private:
    void write_out() {
        std::cerr.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
        buffer_.clear();
    }
    std::mutex mutex_;
    std::string buffer_;
};

RequestLog request_log;

Response plain_problem(http::status status, const char* code, const char* title) {
    Response res{status, 11};
    res.set(http::field::content_type, "application/problem+json");
    res.body() = nlohmann::json({{"type", std::string("https://passkoop.coop/problems/") + code}, {"title", title},
                                 {"status", static_cast<int>(status)}, {"code", code}})
                     .dump();
    res.keep_alive(false);
    add_security_headers(res);
    res.prepare_payload();
    return res;
}

}  // namespace

tcp::endpoint parse_listen_address(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) throw std::runtime_error("listen: host:port expected, got " + text);
    std::string host = text.substr(0, colon);
    const std::string port_text = text.substr(colon + 1);
    unsigned port = 0;
    const auto r = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (r.ec != std::errc{} || r.ptr != port_text.data() + port_text.size() || port > 65535)
        throw std::runtime_error("listen: invalid port in " + text);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "0.0.0.0";
    boost::system::error_code ec;
    const auto address = net::ip::make_address(host, ec);
    if (ec) throw std::runtime_error("listen: invalid address " + host);
    return {address, static_cast<unsigned short>(port)};
}

// What the server asks of every connection, plain or TLS, when it stops.
class ClientConnection {
public:
    virtual ~ClientConnection() = default;
    // Called on shutdown from another thread: idle connections close, busy ones finish first.
    virtual void shutdown() = 0;
};

// One connection's requests, one after the other (HTTP/1.1 keep-alive). `Stream` is
// beast::tcp_stream for plain HTTP, or beast::ssl_stream<beast::tcp_stream> for HTTPS: the same
// code reads, times and answers both; only the start (the TLS handshake) and the end (the TLS
// close_notify) differ.
template <class Stream>
class Session : public ClientConnection, public std::enable_shared_from_this<Session<Stream>> {
    static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

public:
    Session(tcp::socket socket, HttpServer& server) requires(!kTls)
        : stream_(std::move(socket)), timer_(stream_.get_executor()), server_(server) {
        opened();
    }
    // The session keeps the certificate it started with, whatever a reload brings meanwhile.
    Session(tcp::socket socket, HttpServer& server, std::shared_ptr<net::ssl::context> tls) requires kTls
        : tls_(std::move(tls)), stream_(std::move(socket), *tls_), timer_(stream_.get_executor()), server_(server) {
        opened();
    }
    ~Session() override {
        --server_.connections_;
        server_.forget(this);
    }

    void start() {
        net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
            if constexpr (kTls) self->handshake();
            else self->read();
        });
    }

    void shutdown() override {
        auto self_ptr = this->weak_from_this().lock();
        if (!self_ptr) return;  // already finishing
        net::post(stream_.get_executor(), [self = std::move(self_ptr)] {
            if (!self->busy_) {
                boost::system::error_code ec;
                self->socket().cancel(ec);
                self->socket().shutdown(tcp::socket::shutdown_both, ec);
            }
        });
    }

private:
    void opened() {
        boost::system::error_code ec;
        const auto remote = socket().remote_endpoint(ec);
        client_ = ec ? "unknown" : remote.address().to_string();
        ++server_.connections_;
    }

    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
    tcp::socket& socket() { return lowest().socket(); }

    // A client that opens a connection and never says hello holds it for the handshake timeout at
    // most; one whose handshake fails is simply dropped (nothing can be said to it in HTTP).
    void handshake() {
        lowest().expires_after(std::chrono::seconds(server_.config_.tls_handshake_timeout_seconds));
        stream_.async_handshake(net::ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
            self->lowest().expires_never();
            if (ec) {
                boost::system::error_code ignored;
                self->socket().close(ignored);
                return;
            }
            self->read();
        });
    }

    void read() {
        if (server_.stopping_) return close();
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(server_.config_.header_limit));
        // Beast checks Content-Length against the limit in force when the header ends: allow the
        // largest route limit here, and apply the route's own limit in on_header.
        parser_->body_limit(std::max(server_.config_.body_limit, server_.config_.batch_body_limit));
        timed_out_ = false;
        // Our own timer rather than the stream's: on expiry we still answer 408 before closing.
        timer_.expires_after(std::chrono::seconds(server_.config_.read_timeout_seconds));
        timer_.async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
            auto self = weak.lock();
            if (ec || !self) return;
            self->timed_out_ = true;
            boost::system::error_code ignored;
            self->socket().cancel(ignored);
        });
        http::async_read_header(stream_, buffer_, *parser_,
                                [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
    }

    void on_header(beast::error_code ec) {
        if (ec) return on_read(ec);
        const std::size_t limit = server_.api_.body_limit(parser_->get().target());
        if (const auto length = parser_->content_length(); length && *length > limit) return on_read(http::error::body_limit);
        parser_->body_limit(limit);  // for chunked bodies, counted as they arrive
        if (parser_->is_done()) return on_read({});
        http::async_read(stream_, buffer_, *parser_,
                         [self = this->shared_from_this()](beast::error_code e, std::size_t) { self->on_read(e); });
    }

    void on_read(beast::error_code ec) {
        timer_.cancel();
        started_ = std::chrono::steady_clock::now();
        if (timed_out_) return reply_and_close(plain_problem(http::status::request_timeout, "request_timeout", "Request timeout"), "timeout");
        // (A TLS client that closes the connection without close_notify: stream_truncated.)
        if (ec == http::error::end_of_stream || ec == net::error::operation_aborted || ec == net::error::connection_reset ||
            ec == net::error::eof || ec == net::ssl::error::stream_truncated)
            return close();
        if (ec == http::error::header_limit)
            return reply_and_close(plain_problem(http::status::request_header_fields_too_large, "headers_too_large",
                                                 "Request header fields too large"), "limit");
        if (ec == http::error::body_limit)
            return reply_and_close(plain_problem(http::status::payload_too_large, "payload_too_large", "Payload too large"), "limit");
        if (ec) return reply_and_close(plain_problem(http::status::bad_request, "bad_request", "Malformed HTTP request"), "bad_request");

        busy_ = true;
        auto request = std::make_shared<Request>(parser_->release());
        // The answer may come later from another thread (a visit, once on disk): it is written on
        // this connection's strand. `work` keeps io_.run() going meanwhile: on shutdown the answer
        // must still be written. One guard per request, shared: copying a tracked executor instead
        // would touch the scheduler's work count, shared by every thread, at each copy.
        auto work = std::make_shared<net::executor_work_guard<net::io_context::executor_type>>(server_.io_.get_executor());
        auto handle = [self = this->shared_from_this(), request, work] {
            self->server_.api_.handle_async(*request, self->client_, [self, request, work](Response response) mutable {
                // Called once, maybe on the ledger's writer thread. Everything that thread does
                // with the io_context (the handler handed to the strand, its own copy of the
                // strand's executor) is over before it lets go of its work guard, last: until
                // then run() cannot return, so the server and its io_context are still there.
                // The session moves into the handler: this thread never destroys it.
                {
                    const auto executor = self->stream_.get_executor();
                    net::dispatch(executor, [self = std::move(self), request = std::move(request),
                                             response = std::move(response)]() mutable {
                        self->write(std::move(response), request->method_string(), Api::route_of(request->target()));
                    });
                }
                work.reset();
            });
        };
        // Quick requests (a scan, a visit handed to the ledger) stay on this network thread; the
        // others (exports, reports, lists) may read much of the database: the worker pool.
        if (Api::is_quick(*request)) handle();
        else net::post(server_.workers_, std::move(handle));
    }

    void write(Response response, std::string_view method, const std::string& route) {
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
        const int status = static_cast<int>(response.result());
        server_.metrics_.request(route, status, ms / 1000.0);
        request_log.add(client_, method, route, status, ms);
        if (server_.stopping_) response.keep_alive(false);
        response_ = std::make_shared<Response>(std::move(response));
        lowest().expires_after(std::chrono::seconds(server_.config_.read_timeout_seconds));
        http::async_write(stream_, *response_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
            self->lowest().expires_never();
            self->busy_ = false;
            if (ec || !self->response_->keep_alive()) return self->close();
            self->read();
        });
    }

    void reply_and_close(Response response, const std::string& route) {
        busy_ = true;
        write(std::move(response), "-", route);
    }

    // Ends the connection once our side is said. What the client may still be sending (the rest
    // of a body refused with 413) is read and dropped first, within 2 s and 4 MiB: closing with
    // unread data resets the connection, and the client could lose the answer before reading it.
    // Over TLS, close_notify says the end, and OpenSSL drops what arrives until the client's own
    // close_notify, within the same 2 s.
    void close() {
        lowest().expires_after(std::chrono::seconds(2));
        if constexpr (kTls) {
            stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
                boost::system::error_code ignored;
                self->socket().close(ignored);
            });
        } else {
            boost::system::error_code ec;
            socket().shutdown(tcp::socket::shutdown_send, ec);
            if (ec) {
                socket().close(ec);
                return;
            }
            drain_.resize(16 * 1024);
            drain(0);
        }
    }

    void drain(std::size_t so_far) {
        stream_.async_read_some(net::buffer(drain_), [self = this->shared_from_this(), so_far](beast::error_code ec, std::size_t n) {
            if (!ec && so_far + n < 4 * 1024 * 1024) return self->drain(so_far + n);
            boost::system::error_code ignored;
            self->socket().close(ignored);
        });
    }

    std::shared_ptr<net::ssl::context> tls_;  // before stream_, which uses it
    Stream stream_;
    net::steady_timer timer_;
    HttpServer& server_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::shared_ptr<Response> response_;
    std::string drain_;
    std::string client_;
    bool timed_out_ = false;
    bool busy_ = false;
    std::chrono::steady_clock::time_point started_;
};

HttpServer::HttpServer(const Config& config, Api& api, Metrics& metrics, std::shared_ptr<net::ssl::context> tls)
    : config_(config), api_(api), metrics_(metrics), workers_(static_cast<std::size_t>(config.workers)),
      acceptor_(io_), signals_(io_, SIGINT, SIGTERM), hangup_(io_, SIGHUP), https_(tls != nullptr), tls_(std::move(tls)) {
    const auto endpoint = parse_listen_address(config.listen);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
}

HttpServer::~HttpServer() { workers_.join(); }

void HttpServer::accept() {
    acceptor_.async_accept(net::make_strand(io_), [this](boost::system::error_code ec, tcp::socket socket) {
        if (ec) {
            if (!stopping_ && ec != net::error::operation_aborted) accept();
            return;
        }
        const auto tls = https_ ? tls_context() : nullptr;  // plain HTTP takes no lock
        if (connections_ >= config_.max_connections && tls) {
            // Over the cap, a TLS client is not worth a handshake to tell it: closed at once.
            boost::system::error_code ignored;
            socket.close(ignored);
        } else if (connections_ >= config_.max_connections) {
            // Over the cap: answer 503 at once rather than let the client hang.
            auto res = std::make_shared<Response>(plain_problem(http::status::service_unavailable, "too_many_connections",
                                                                "Too many connections"));
            res->set(http::field::retry_after, "1");
            auto sock = std::make_shared<tcp::socket>(std::move(socket));
            http::async_write(*sock, *res, [sock, res](boost::system::error_code, std::size_t) {
                boost::system::error_code ignored;
                sock->shutdown(tcp::socket::shutdown_both, ignored);
            });
        } else if (tls) {
            open_session(std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket), *this, tls));
        } else {
            open_session(std::make_shared<Session<beast::tcp_stream>>(std::move(socket), *this));
        }
        accept();
    });
}

template <class S>
void HttpServer::open_session(const std::shared_ptr<S>& session) {
    {
        std::lock_guard lock(sessions_mutex_);
        sessions_.insert(session.get());
    }
    session->start();
}

std::shared_ptr<net::ssl::context> HttpServer::tls_context() {
    std::lock_guard lock(tls_mutex_);
    return tls_;
}

void HttpServer::reload_tls() {
    if (!https_ || !config_.tls_cert || !config_.tls_key) return;
    try {
        auto fresh = load_server_context(*config_.tls_cert, *config_.tls_key);
        const std::string summary = certificate_summary(*fresh);
        {
            std::lock_guard lock(tls_mutex_);
            tls_ = std::move(fresh);
        }
        std::cerr << tr("Certificat TLS rechargé : ", "TLS certificate reloaded: ") << config_.tls_cert->string() << ", " << summary << "\n";
    } catch (const std::exception& e) {
        std::cerr << tr("Certificat TLS refusé, l'ancien reste en service : ", "TLS certificate refused, the previous one stays in use: ")
                  << printable(e.what()) << "\n";
    }
}

std::string HttpServer::url() const {
    const auto endpoint = local_endpoint();
    const std::string host = endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]" : endpoint.address().to_string();
    return (https_ ? "https://" : "http://") + host + ":" + std::to_string(endpoint.port());
}

void HttpServer::forget(ClientConnection* session) {
    std::lock_guard lock(sessions_mutex_);
    sessions_.erase(session);
}

void HttpServer::every(std::chrono::seconds period, std::function<void()> task) {
    auto timer = std::make_shared<net::steady_timer>(io_);
    timers_.push_back(timer);
    auto tick = std::make_shared<std::function<void(boost::system::error_code)>>();
    *tick = [this, timer, period, task = std::move(task), weak = std::weak_ptr(tick)](boost::system::error_code ec) {
        if (ec || stopping_) return;
        // Periodic work may touch the database: keep it off the network threads.
        net::post(workers_, task);
        timer->expires_after(period);
        if (auto t = weak.lock()) timer->async_wait([t](boost::system::error_code e) { (*t)(e); });
    };
    timer->expires_after(period);
    timer->async_wait([tick](boost::system::error_code ec) { (*tick)(ec); });
}

void HttpServer::run(std::function<void()> on_hangup) {
    signals_.async_wait([this](boost::system::error_code ec, int) {
        if (!ec) stop();
    });
    auto handler = std::make_shared<std::function<void(boost::system::error_code, int)>>();
    *handler = [this, on_hangup, weak = std::weak_ptr(handler)](boost::system::error_code ec, int) {
        if (ec || stopping_) return;
        if (on_hangup) net::post(workers_, on_hangup);
        if (https_) net::post(workers_, [this] { reload_tls(); });
        if (auto h = weak.lock()) hangup_.async_wait([h](boost::system::error_code e, int sig) { (*h)(e, sig); });
    };
    hangup_.async_wait([handler](boost::system::error_code ec, int sig) { (*handler)(ec, sig); });
    every(std::chrono::seconds(1), [] { request_log.flush(); });
    accept();
    std::vector<std::thread> threads;
    for (int i = 1; i < config_.threads; ++i) threads.emplace_back([this] { io_.run(); });
    io_.run();
    for (auto& t : threads) t.join();
    workers_.join();
    request_log.flush();
}

void HttpServer::stop() {
    net::post(io_, [this] {
        if (stopping_.exchange(true)) return;
        boost::system::error_code ec;
        acceptor_.close(ec);
        signals_.cancel(ec);
        hangup_.cancel(ec);
        for (auto& t : timers_) t->cancel();
        std::lock_guard lock(sessions_mutex_);
        for (ClientConnection* s : sessions_) s->shutdown();
        // Signals and timers hold no more work: run() returns once the sessions finish.
    });
}

}  // namespace passkoop::server
