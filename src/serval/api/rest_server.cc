// HTTP transport for the REST API: Boost.Beast, one io_context per thread, each with its own
// acceptor on the same port (SO_REUSEPORT), so the kernel spreads connections across threads and
// a connection stays on one thread for its life (no locks on the request path). Handlers run on
// the io thread (the model run is synchronous).
//
// Per connection: read the header (Expect: 100-continue is answered), enforce the body limit from
// Content-Length before reading it (413) and while reading chunked bodies, inflate gzip bodies
// with a cap on the decompressed size, route, handle, gzip the reply when the client accepts it,
// keep-alive. Malformed HTTP gets a 400 and the connection is closed after a lingering drain.
#include "serval/api/rest_server.h"

#include <zlib.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <list>
#include <optional>
#include <thread>
#include <vector>

#include "serval/api/handlers.h"
#include "serval/api/request_metrics.h"
#include "serval/api/router.h"
#include "serval/api/status_mapping.h"
#include "serval/base/logging.h"
#include "serval/codec/tfs_json.h"
#include "serval/monitoring/access_log.h"
#include "serval/monitoring/serving_metrics.h"

namespace serval::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kGzipResponseMinBytes = 1024;
constexpr uint32_t kHeaderLimit = 64 * 1024;
constexpr auto kLingerTime = std::chrono::seconds(2);

bool HeaderHasToken(std::string_view value, std::string_view token) {
  // Case-insensitive substring match on a comma-separated list ("gzip, deflate", "x-gzip").
  if (value.size() < token.size()) return false;
  for (size_t i = 0; i + token.size() <= value.size(); ++i) {
    bool eq = true;
    for (size_t j = 0; j < token.size() && eq; ++j) {
      eq = std::tolower(static_cast<unsigned char>(value[i + j])) == token[j];
    }
    if (eq) return true;
  }
  return false;
}

// Accepts gzip unless the client says "gzip;q=0".
bool AcceptsGzip(std::string_view accept_encoding) {
  if (!HeaderHasToken(accept_encoding, "gzip")) return false;
  return !HeaderHasToken(accept_encoding, "gzip;q=0") && !HeaderHasToken(accept_encoding, "gzip; q=0");
}

// Inflates a gzip (or zlib) body; ResourceExhausted over `max_out` bytes.
Result<std::string> GunzipBody(std::string_view in, uint64_t max_out) {
  z_stream zs{};
  if (inflateInit2(&zs, 32 + MAX_WBITS /* gzip or zlib header, auto-detected */) != Z_OK) {
    return Internal("inflateInit2 failed");
  }
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[64 * 1024];
  int ret = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    ret = inflate(&zs, Z_NO_FLUSH);
    if (ret != Z_OK && ret != Z_STREAM_END) break;
    size_t produced = sizeof(buf) - zs.avail_out;
    if (out.size() + produced > max_out) {
      inflateEnd(&zs);
      return ResourceExhausted("Decompressed request body exceeds the limit of " + std::to_string(max_out) +
                               " bytes");
    }
    out.append(buf, produced);
    if (ret == Z_STREAM_END) {
      // Concatenated gzip members are legal; continue if input remains.
      if (zs.avail_in == 0) break;
      if (inflateReset(&zs) != Z_OK) break;
      continue;
    }
    if (zs.avail_in == 0 && produced == 0) {
      ret = Z_BUF_ERROR;
      break;
    }
  }
  std::string msg = zs.msg ? zs.msg : "truncated or corrupt data";
  inflateEnd(&zs);
  if (ret != Z_STREAM_END) return InvalidArgument("Failed to decompress gzip request body: " + msg);
  return out;
}

std::string GzipBody(std::string_view in) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out;
  out.resize(deflateBound(&zs, in.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int ret = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return ret == Z_STREAM_END ? out : std::string();
}

}  // namespace

class Connection;

// One io thread: its io_context, acceptor and live connections (touched only on that thread).
struct Worker {
  asio::io_context ctx{1};
  std::optional<tcp::acceptor> acceptor;
  std::list<std::weak_ptr<Connection>> connections;
  bool stopping = false;
  std::thread thread;
};

// Everything the io threads share (read-only while serving, apart from shut_down).
struct ServerCore {
  servable::ServableManager* manager = nullptr;
  RestOptions options;
  int port = 0;
  std::vector<std::unique_ptr<Worker>> workers;
  std::atomic<bool> shut_down{false};

  void Accept(Worker& w);
};

struct RestServer::Impl : ServerCore {};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerCore& server, Worker& worker, tcp::socket socket)
      : server_(server), worker_(worker), stream_(std::move(socket)) {}

  void Start() { ReadHeader(); }

  // Called on the io thread at shutdown: idle connections close now, busy ones after replying.
  void OnShutdown() {
    if (idle_) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.socket().close(ec);
    }
  }

 private:
  void ReadHeader() {
    idle_ = true;
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(server_.options.max_body_bytes);
    // Keep-alive idle timeout and slow-client guard.
    stream_.expires_after(std::chrono::milliseconds(std::max<int64_t>(server_.options.timeout_ms, 1000)));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    idle_ = false;
    if (ec) return OnReadError(ec);
    received_ = Clock::now();
    auto& req = parser_->get();
    // Refuse a declared oversize body before reading it.
    if (auto len = parser_->content_length(); len && *len > server_.options.max_body_bytes) {
      return SendTooLarge();
    }
    if (HeaderHasToken(req[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, req.version());
      http::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code ec, size_t) {
        if (ec) return self->Close();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return OnBody({});
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  void OnReadError(beast::error_code ec) {
    if (!parser_->is_header_done()) received_ = Clock::now();  // for the access log's latency
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted || ec == beast::error::timeout || ec == asio::error::bad_descriptor) {
      return Close();
    }
    if (ec == http::error::body_limit) return SendTooLarge();
    if (ec == http::error::header_limit) {
      return SendFinal(431, codec::WriteErrorBody(InvalidArgument("Request header too large")));
    }
    if (ec == http::error::partial_message) return Close();
    // Malformed HTTP: answer 400 and close.
    SendFinal(400, codec::WriteErrorBody(InvalidArgument("Malformed HTTP request: " + ec.message())));
  }

  void SendTooLarge() {
    SendFinal(kHttpPayloadTooLarge,
              codec::WriteErrorBody(ResourceExhausted(
                  "Request body exceeds the limit of " + std::to_string(server_.options.max_body_bytes) + " bytes")));
  }

  void OnBody(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    auto& req = parser_->get();
    HttpReply reply = Dispatch(req);
    bool gzip = reply.body.size() > kGzipResponseMinBytes && AcceptsGzip(req[http::field::accept_encoding]);
    Send(std::move(reply), req.keep_alive() && !worker_.stopping, gzip, req.version());
  }

  // The model API routes are recorded in the serving metrics (one RequestScope each).
  HttpReply Dispatch(http::request<http::string_body>& req) {
    Route route = MatchRoute(req.method_string(), req.target(), server_.options.metrics_path);
    const char* api = nullptr;
    switch (route.kind) {
      case RouteKind::kModelStatus: api = monitoring::kGetModelStatus; break;
      case RouteKind::kModelMetadata: api = monitoring::kGetModelMetadata; break;
      case RouteKind::kPredict: api = monitoring::kPredict; break;
      case RouteKind::kClassify: api = monitoring::kClassify; break;
      case RouteKind::kRegress: api = monitoring::kRegress; break;
      default: return DispatchRoute(req, route, nullptr);
    }
    monitoring::RequestScope scope(monitoring::kRest, api);
    if (route.version) scope.set_version(*route.version);
    HttpReply reply = DispatchRoute(req, route, &scope);
    scope.Finish(reply.error);
    return reply;
  }

  HttpReply DispatchRoute(http::request<http::string_body>& req, const Route& route,
                          monitoring::RequestScope* scope) {
    const RestOptions& opt = server_.options;
    switch (route.kind) {
      case RouteKind::kNotDispatched: {
        HttpReply r;
        r.status = 404;
        r.content_type.clear();
        return r;
      }
      case RouteKind::kError: return ErrorReply(route.error);
      case RouteKind::kHealthLive: return HttpReply{200, "{}"};
      case RouteKind::kHealthReady: return HandleHealthReady(*server_.manager);
      case RouteKind::kMetrics: {
        HttpReply r;
        r.content_type = "text/plain; version=0.0.4";
        if (opt.metrics) r.body = opt.metrics();
        return r;
      }
      case RouteKind::kCorsPreflight: {
        std::string_view origin = req[http::field::origin];
        if (origin.substr(0, 7) == "http://" || origin.substr(0, 8) == "https://") return HttpReply{200, ""};
        return ErrorReply(FailedPrecondition("Origin header is missing in CORS preflight"));
      }
      default: break;
    }
    if (route.kind == RouteKind::kModelStatus || route.kind == RouteKind::kModelMetadata) {
      NoteModelName(scope, *server_.manager, route.model);
      if (route.kind == RouteKind::kModelStatus) return HandleModelStatus(*server_.manager, route);
      return HandleModelMetadata(*server_.manager, route);
    }

    // POST with a body.
    std::string inflated;
    std::string_view body = req.body();
    if (HeaderHasToken(req[http::field::content_encoding], "gzip")) {
      auto r = GunzipBody(body, opt.max_decompressed_bytes);
      if (!r.ok()) {
        HttpReply e = ErrorReply(r.status());
        if (r.status().code() == StatusCode::kResourceExhausted) e.status = kHttpPayloadTooLarge;
        return e;
      }
      inflated = std::move(*r);
      body = inflated;
    }
    auto deadline = received_ + std::chrono::milliseconds(opt.timeout_ms > 0 ? opt.timeout_ms : (int64_t{1} << 40));
    if (route.kind == RouteKind::kPredict) return HandlePredict(*server_.manager, route, body, deadline, scope);
    return HandleClassifyRegress(*server_.manager, route, body, deadline, scope);
  }

  void Send(HttpReply reply, bool keep_alive, bool gzip, unsigned version) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(reply.status), version);
    if (!reply.content_type.empty()) res->set(http::field::content_type, reply.content_type);
    if (server_.options.enable_cors) {
      res->set(http::field::access_control_allow_origin, "*");
      res->set(http::field::access_control_allow_methods, "POST, GET");
      res->set(http::field::access_control_allow_headers, "Content-Type");
    }
    if (gzip) {
      std::string z = GzipBody(reply.body);
      if (!z.empty()) {
        reply.body = std::move(z);
        res->set(http::field::content_encoding, "gzip");
      }
      res->set(http::field::vary, "Accept-Encoding");
    }
    res->body() = std::move(reply.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    if (monitoring::AccessLog* log = monitoring::GlobalAccessLog()) {
      WriteAccessLog(*log, reply.status, res->body().size());
    }
    stream_.expires_after(std::chrono::seconds(30));
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      if (keep_alive && !self->worker_.stopping) return self->ReadHeader();
      if (keep_alive || self->worker_.stopping) return self->Close();  // shutting down: no linger
      self->LingeringClose();
    });
  }

  void WriteAccessLog(monitoring::AccessLog& log, int status, size_t bytes_out) {
    const auto& req = parser_->get();  // engaged from ReadHeader on; fields empty if it never parsed
    beast::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    std::string peer = "-";
    if (!ec) {
      std::string ip = remote.address().to_string();
      peer = (remote.address().is_v6() ? "[" + ip + "]" : ip) + ":" + std::to_string(remote.port());
    }
    const std::string code = std::to_string(status);
    monitoring::AccessRecord r;
    r.peer = peer;
    r.entrypoint = monitoring::kRest;
    r.method = std::string_view(req.method_string().data(), req.method_string().size());
    r.target = std::string_view(req.target().data(), req.target().size());
    r.status = code;
    r.latency = Clock::now() - received_;
    r.bytes_in = req.body().size();
    r.bytes_out = bytes_out;
    log.Write(r);
  }

  // A reply after which the connection is closed (errors before or while reading the body).
  void SendFinal(int status, std::string body) {
    HttpReply r;
    r.status = status;
    r.body = std::move(body);
    Send(std::move(r), /*keep_alive=*/false, /*gzip=*/false, 11);
  }

  // Half-close, then drain what the client still sends, so it reads our reply instead of a reset.
  void LingeringClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(kLingerTime);
    Drain();
  }

  void Drain() {
    stream_.async_read_some(asio::buffer(drain_buf_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      self->Drain();
    });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().close(ec);
  }

  ServerCore& server_;
  Worker& worker_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Clock::time_point received_;
  bool idle_ = true;
  char drain_buf_[4096];
};

void ServerCore::Accept(Worker& w) {
  w.acceptor->async_accept([this, &w](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || w.stopping) return;
      SERVAL_LOG_WARNING("REST accept failed: " + ec.message());
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      auto conn = std::make_shared<Connection>(*this, w, std::move(socket));
      // Drop entries of closed connections now and then.
      if (w.connections.size() > 64) w.connections.remove_if([](auto& c) { return c.expired(); });
      w.connections.push_back(conn);
      conn->Start();
    }
    if (!w.stopping) Accept(w);
  });
}

Result<std::unique_ptr<RestServer>> RestServer::Start(servable::ServableManager* manager, RestOptions options) {
  if (manager == nullptr) return InvalidArgument("RestServer::Start: manager is null");
  auto impl = std::make_unique<Impl>();
  impl->manager = manager;
  impl->options = std::move(options);
  int threads = impl->options.num_threads;
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());

  beast::error_code ec;
  auto address = asio::ip::make_address(impl->options.address, ec);
  if (ec) return InvalidArgument("Invalid REST address '" + impl->options.address + "': " + ec.message());
  int port = impl->options.port;
  for (int i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>();
    tcp::acceptor& acc = w->acceptor.emplace(w->ctx);
    tcp::endpoint ep(address, static_cast<unsigned short>(port));
    acc.open(ep.protocol(), ec);
    if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) {
      int one = 1;
      if (::setsockopt(acc.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
        ec = beast::error_code(errno, boost::system::system_category());
      }
    }
    if (!ec) acc.bind(ep, ec);
    if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Unavailable("Failed to listen on REST address " + impl->options.address + ":" + std::to_string(port) +
                         ": " + ec.message());
    }
    if (port == 0) port = acc.local_endpoint().port();  // the other threads share the chosen port
    impl->workers.push_back(std::move(w));
  }
  impl->port = port;
  for (auto& w : impl->workers) {
    impl->Accept(*w);
    Worker* wp = w.get();
    wp->thread = std::thread([wp] {
      while (true) {
        try {
          wp->ctx.run();
          return;
        } catch (const std::exception& e) {  // a handler must never take the thread down
          SERVAL_LOG_ERROR(std::string("REST io thread: ") + e.what());
        }
      }
    });
  }
  return std::unique_ptr<RestServer>(new RestServer(std::move(impl)));
}

RestServer::RestServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RestServer::~RestServer() { Shutdown(); }

int RestServer::port() const { return impl_->port; }

void RestServer::Shutdown() {
  if (!impl_ || impl_->shut_down.exchange(true)) return;
  for (auto& w : impl_->workers) {
    Worker* wp = w.get();
    asio::post(wp->ctx, [wp] {
      wp->stopping = true;
      beast::error_code ec;
      if (wp->acceptor) wp->acceptor->close(ec);
      for (auto& weak : wp->connections) {
        if (auto c = weak.lock()) c->OnShutdown();
      }
    });
  }
  // In-flight requests finish (their connections then close); bound the wait anyway.
  const auto hard_deadline = Clock::now() + std::chrono::milliseconds(
      std::max<int64_t>(impl_->options.timeout_ms, 1000) + 5000);
  for (auto& w : impl_->workers) {
    Worker* wp = w.get();
    while (!wp->ctx.stopped() && Clock::now() < hard_deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!wp->ctx.stopped()) wp->ctx.stop();
    if (wp->thread.joinable()) wp->thread.join();
  }
}

}  // namespace serval::api
