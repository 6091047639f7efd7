// In-process end-to-end tests: a RestServer on a loopback port over a real ServableManager
// serving the half_plus_two fixture, driven by a tiny raw-socket HTTP client.
#include "serval/api/rest_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

namespace serval::api {
namespace {

std::string FixturesDir() {
  if (const char* env = std::getenv("SERVAL_FIXTURES"); env && *env) return env;
  return SERVAL_FIXTURES_DIR;
}

std::string HalfPlusTwoPath() { return FixturesDir() + "/savedmodels/tfs_half_plus_two_cpu"; }

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

void SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[16384];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// Parses one response from `raw` at `pos` (Content-Length framed); advances pos.
Response ParseResponse(const std::string& raw, size_t& pos) {
  Response r;
  size_t end = raw.find("\r\n\r\n", pos);
  if (end == std::string::npos) return r;
  std::string head = raw.substr(pos, end - pos);
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.size() >= 12) r.status = std::atoi(status_line.c_str() + 9);
  size_t p = line_end == std::string::npos ? head.size() : line_end + 2;
  while (p < head.size()) {
    size_t e = head.find("\r\n", p);
    if (e == std::string::npos) e = head.size();
    std::string line = head.substr(p, e - p);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value[0] == ' ') value.erase(0, 1);
      r.headers[Lower(line.substr(0, colon))] = value;
    }
    p = e + 2;
  }
  size_t len = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
  r.body = raw.substr(end + 4, len);
  pos = end + 4 + len;
  return r;
}

// Sends raw bytes, reads to EOF (the request must ask for Connection: close), parses one response.
Response SendRaw(int port, const std::string& raw_request) {
  int fd = Connect(port);
  if (fd < 0) return {};
  SendAll(fd, raw_request);
  std::string raw = ReadAll(fd);
  ::close(fd);
  size_t pos = 0;
  return ParseResponse(raw, pos);
}

Response Request(int port, const std::string& method, const std::string& target, const std::string& body = "",
                 const std::string& extra_headers = "") {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + extra_headers;
  if (!body.empty() || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  return SendRaw(port, req);
}

// Removes JSON whitespace outside strings, so checks ignore pretty-printing.
std::string Compact(const std::string& json) {
  std::string out;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < json.size()) out += json[++i];
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
      out += c;
    } else if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
      out += c;
    }
  }
  return out;
}

std::string Gzip(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Gunzip(const std::string& in) {
  z_stream zs{};
  inflateInit2(&zs, 16 + MAX_WBITS);
  std::string out;
  char buf[16384];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int ret;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    ret = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
  } while (ret == Z_OK);
  inflateEnd(&zs);
  return out;
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << "missing: " << (needle) << "\nin: " << (haystack)

class RestServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(HalfPlusTwoPath())) return;
    servable::ManagerOptions mopts;
    mopts.file_system_poll_wait_seconds = 0;
    manager_ = new servable::ServableManager(mopts);
    servable::ModelConfig config;
    config.name = "half";
    config.base_path = HalfPlusTwoPath();
    manager_->SetModels({config});
    RestOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.num_threads = 2;
    options.metrics_path = "/monitoring/prometheus/metrics";
    options.metrics = [] { return std::string("# TYPE x counter\nx 1\n"); };
    auto server = RestServer::Start(manager_, options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete manager_;
    manager_ = nullptr;
  }
  void SetUp() override {
    if (!std::filesystem::exists(HalfPlusTwoPath())) {
      GTEST_SKIP() << "fixture missing: " << HalfPlusTwoPath() << " (set SERVAL_FIXTURES)";
    }
    ASSERT_NE(server_, nullptr);
    port_ = server_->port();
  }
  int port_ = 0;
  static servable::ServableManager* manager_;
  static RestServer* server_;
};
servable::ServableManager* RestServerTest::manager_ = nullptr;
RestServer* RestServerTest::server_ = nullptr;

const char kRowRequest[] = R"({"instances": [[1.0], [2.0], [5.0]]})";

TEST_F(RestServerTest, HealthLiveAndReady) {
  Response live = Request(port_, "GET", "/v2/health/live");
  EXPECT_EQ(live.status, 200);
  EXPECT_EQ(live.body, "{}");
  EXPECT_EQ(live.headers["content-type"], "application/json");
  Response ready = Request(port_, "GET", "/v2/health/ready");
  EXPECT_EQ(ready.status, 200) << ready.body;
}

TEST_F(RestServerTest, ModelStatus) {
  for (const char* target : {"/v1/models/half", "/v1/models/half/versions/123"}) {
    Response r = Request(port_, "GET", target);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"], "application/json");
    EXPECT_CONTAINS(Compact(r.body),
                    R"({"model_version_status":[{"version":"123","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}}]})");
  }
  Response unknown_model = Request(port_, "GET", "/v1/models/nope");
  EXPECT_EQ(unknown_model.status, 404);
  EXPECT_EQ(unknown_model.headers["content-type"], "application/json");
  EXPECT_CONTAINS(unknown_model.body, "\"error\"");
  EXPECT_CONTAINS(unknown_model.body, "model 'nope'");
  Response unknown_version = Request(port_, "GET", "/v1/models/half/versions/7");
  EXPECT_EQ(unknown_version.status, 404) << unknown_version.body;
  Response missing = Request(port_, "GET", "/v1/models");
  EXPECT_EQ(missing.status, 400);
  EXPECT_CONTAINS(missing.body, "Missing model name in request.");
}

TEST_F(RestServerTest, Metadata) {
  Response r = Request(port_, "GET", "/v1/models/half/metadata");
  ASSERT_EQ(r.status, 200) << r.body;
  std::string c = Compact(r.body);
  EXPECT_CONTAINS(c, R"("model_spec":{"name":"half")");
  EXPECT_CONTAINS(c, R"("version":"123")");
  EXPECT_CONTAINS(c, R"("signature_name":"")");
  EXPECT_CONTAINS(c, R"("metadata":{"signature_def":{"signature_def":{)");
  EXPECT_CONTAINS(c, R"("serving_default":{)");
  EXPECT_CONTAINS(c, R"("classify_x_to_y")");
  EXPECT_CONTAINS(c, R"("dtype":"DT_FLOAT")");
  EXPECT_CONTAINS(c, R"("size":"-1")");
  EXPECT_CONTAINS(c, R"("method_name":"tensorflow/serving/predict")");
  Response v = Request(port_, "GET", "/v1/models/half/versions/123/metadata");
  EXPECT_EQ(v.status, 200);
  EXPECT_EQ(v.body, r.body);
  Response missing = Request(port_, "GET", "/v1/models/half/versions/9/metadata");
  EXPECT_EQ(missing.status, 404);
  EXPECT_CONTAINS(missing.body, "model 'half' version 9");
}

TEST_F(RestServerTest, PredictRowAndColumnar) {
  Response row = Request(port_, "POST", "/v1/models/half:predict", kRowRequest);
  ASSERT_EQ(row.status, 200) << row.body;
  EXPECT_EQ(row.headers["content-type"], "application/json");
  EXPECT_EQ(Compact(row.body), R"({"predictions":[[2.5],[3.0],[4.5]]})");

  Response col = Request(port_, "POST", "/v1/models/half/versions/123:predict",
                         R"({"signature_name": "serving_default", "inputs": {"x": [[1.0], [2.0], [5.0]]}})");
  ASSERT_EQ(col.status, 200) << col.body;
  EXPECT_EQ(Compact(col.body), R"({"outputs":[[2.5],[3.0],[4.5]]})");

  Response other = Request(port_, "POST", "/v1/models/half:predict",
                           R"({"signature_name": "regress_x2_to_y3", "instances": [[1.0], [2.0], [5.0]]})");
  ASSERT_EQ(other.status, 200) << other.body;
  EXPECT_EQ(Compact(other.body), R"({"predictions":[[3.5],[4.0],[5.5]]})");
}

TEST_F(RestServerTest, ClassifyAndRegress) {
  const std::string examples = R"("examples": [{"x": [1.0]}, {"x": [2.0]}, {"x": [5.0]}])";
  Response c = Request(port_, "POST", "/v1/models/half:classify",
                       R"({"signature_name": "classify_x_to_y", )" + examples + "}");
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(Compact(c.body), R"({"results":[[["",2.5]],[["",3.0]],[["",4.5]]]})");

  Response r = Request(port_, "POST", "/v1/models/half:regress",
                       R"({"signature_name": "regress_x_to_y", )" + examples + "}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Compact(r.body), R"({"results":[2.5,3.0,4.5]})");

  Response r2 = Request(port_, "POST", "/v1/models/half/versions/123:regress",
                        R"({"signature_name": "regress_x_to_y2", )" + examples + "}");
  ASSERT_EQ(r2.status, 200) << r2.body;
  EXPECT_EQ(Compact(r2.body), R"({"results":[3.5,4.0,5.5]})");

  // A predict signature through :classify.
  Response wrong = Request(port_, "POST", "/v1/models/half:classify", "{" + examples + "}");
  EXPECT_EQ(wrong.status, 400) << wrong.body;
  EXPECT_CONTAINS(wrong.body, "model 'half' version 123 signature 'serving_default'");
  EXPECT_CONTAINS(wrong.body, "Expected classification signature method_name to be tensorflow/serving/classify");

  Response no_examples = Request(port_, "POST", "/v1/models/half:regress", R"({"signature_name": "regress_x_to_y"})");
  EXPECT_EQ(no_examples.status, 400);
  EXPECT_CONTAINS(no_examples.body, "key 'examples' is expected");
}

TEST_F(RestServerTest, PredictErrors) {
  Response unknown = Request(port_, "POST", "/v1/models/nope:predict", kRowRequest);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.headers["content-type"], "application/json");
  EXPECT_CONTAINS(unknown.body, "model 'nope'");
  EXPECT_CONTAINS(unknown.body, "\"error\"");

  Response bad_json = Request(port_, "POST", "/v1/models/half:predict", "{\"instances\": [1.0,");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_CONTAINS(bad_json.body, "model 'half' version 123");
  EXPECT_CONTAINS(bad_json.body, "JSON Parse error");

  Response empty = Request(port_, "POST", "/v1/models/half:predict", "");
  EXPECT_EQ(empty.status, 400);
  EXPECT_CONTAINS(empty.body, "The document is empty");

  Response bad_sig = Request(port_, "POST", "/v1/models/half:predict",
                             R"({"signature_name": "nope", "instances": [[1.0]]})");
  EXPECT_EQ(bad_sig.status, 400);
  EXPECT_CONTAINS(bad_sig.body, "model 'half' version 123 signature 'nope'");
  EXPECT_CONTAINS(bad_sig.body, R"(Serving signature name: \"nope\" not found in signature def)");

  Response dtype = Request(port_, "POST", "/v1/models/half:predict", R"({"instances": [["a"]]})");
  EXPECT_EQ(dtype.status, 400);
  EXPECT_CONTAINS(dtype.body, "signature 'serving_default'");
  EXPECT_CONTAINS(dtype.body, "is not of expected type: float");

  // Like TF Serving, a shape the graph can run is accepted even if it differs from the
  // signature's declared [-1,1] (TF Serving's own README sends this body): y = 0.5x + 2.
  Response shape = Request(port_, "POST", "/v1/models/half:predict", R"({"instances": [1.0, 2.0]})");
  EXPECT_EQ(shape.status, 200) << shape.body;
  EXPECT_CONTAINS(shape.body, "[2.5, 3.0");

  Response malformed = Request(port_, "POST", "/v1/models/half", kRowRequest);
  EXPECT_EQ(malformed.status, 400);
  EXPECT_CONTAINS(malformed.body, "Malformed request: POST /v1/models/half");
  Response put = Request(port_, "PUT", "/v1/models/half");
  EXPECT_EQ(put.status, 400);
  EXPECT_CONTAINS(put.body, "Malformed request: PUT /v1/models/half");

  Response outside = Request(port_, "GET", "/foo");
  EXPECT_EQ(outside.status, 404);
  EXPECT_EQ(outside.body, "");
}

TEST_F(RestServerTest, GzipRequestAndResponse) {
  Response r = Request(port_, "POST", "/v1/models/half:predict", Gzip(kRowRequest), "Content-Encoding: gzip\r\n");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Compact(r.body), R"({"predictions":[[2.5],[3.0],[4.5]]})");

  Response corrupt = Request(port_, "POST", "/v1/models/half:predict", "not gzip at all",
                             "Content-Encoding: gzip\r\n");
  EXPECT_EQ(corrupt.status, 400);
  EXPECT_CONTAINS(corrupt.body, "Failed to decompress gzip request body");

  Response plain = Request(port_, "GET", "/v1/models/half/metadata");
  ASSERT_GT(plain.body.size(), 1024u);
  Response zipped = Request(port_, "GET", "/v1/models/half/metadata", "", "Accept-Encoding: gzip, deflate\r\n");
  ASSERT_EQ(zipped.status, 200);
  EXPECT_EQ(zipped.headers["content-encoding"], "gzip");
  EXPECT_LT(zipped.body.size(), plain.body.size());
  EXPECT_EQ(Gunzip(zipped.body), plain.body);
  // Small replies stay plain.
  Response small = Request(port_, "GET", "/v2/health/live", "", "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(small.headers.count("content-encoding"), 0u);
}

TEST_F(RestServerTest, CorsPreflightAndMetrics) {
  Response ok = Request(port_, "OPTIONS", "/v1/models/half:predict", "", "Origin: https://example.com\r\n");
  EXPECT_EQ(ok.status, 200);
  Response bad = Request(port_, "OPTIONS", "/v1/models/half:predict");
  EXPECT_EQ(bad.status, 400);
  EXPECT_CONTAINS(bad.body, "Origin header is missing in CORS preflight");
  Response metrics = Request(port_, "GET", "/monitoring/prometheus/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_CONTAINS(metrics.headers["content-type"], "text/plain");
  EXPECT_EQ(metrics.body, "# TYPE x counter\nx 1\n");
}

TEST_F(RestServerTest, KeepAliveAndExpectContinue) {
  int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  std::string body = kRowRequest;
  std::string req1 = "POST /v1/models/half:predict HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string req2 = "GET /v1/models/half HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  SendAll(fd, req1 + req2);  // pipelined
  std::string raw = ReadAll(fd);
  ::close(fd);
  size_t pos = 0;
  Response a = ParseResponse(raw, pos);
  Response b = ParseResponse(raw, pos);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(Compact(a.body), R"({"predictions":[[2.5],[3.0],[4.5]]})");
  EXPECT_EQ(b.status, 200);
  EXPECT_CONTAINS(b.body, "AVAILABLE");

  // Expect: 100-continue gets an interim 100 before the body is sent.
  fd = Connect(port_);
  ASSERT_GE(fd, 0);
  SendAll(fd, "POST /v1/models/half:predict HTTP/1.1\r\nHost: x\r\nConnection: close\r\nExpect: 100-continue\r\n"
              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n");
  char buf[256];
  ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)).substr(0, 12), "HTTP/1.1 100");
  SendAll(fd, body);
  raw = ReadAll(fd);
  ::close(fd);
  pos = 0;
  Response c = ParseResponse(raw, pos);
  EXPECT_EQ(c.status, 200);
}

TEST_F(RestServerTest, MalformedHttp) {
  Response garbage = SendRaw(port_, "GARBAGE\r\n\r\n");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_CONTAINS(garbage.body, "Malformed HTTP request");
  Response bad_version = SendRaw(port_, "GET / HTTP/9.9\r\n\r\n");
  EXPECT_EQ(bad_version.status, 400);
  // Bad chunk framing.
  Response bad_chunk = SendRaw(port_, "POST /v1/models/half:predict HTTP/1.1\r\nHost: x\r\n"
                                      "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
  EXPECT_EQ(bad_chunk.status, 400);
  // The server is still fine.
  EXPECT_EQ(Request(port_, "GET", "/v2/health/live").status, 200);
}

TEST_F(RestServerTest, BodyLimitsAndShutdown) {
  RestOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.num_threads = 1;
  options.max_body_bytes = 1024;
  options.max_decompressed_bytes = 2048;
  options.enable_cors = true;
  auto server = RestServer::Start(manager_, options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  int port = (*server)->port();

  std::string big = R"({"instances": [[1.0]], "pad": ")" + std::string(4000, 'x') + "\"}";
  Response too_large = Request(port, "POST", "/v1/models/half:predict", big);
  EXPECT_EQ(too_large.status, 413);
  EXPECT_EQ(too_large.headers["content-type"], "application/json");
  EXPECT_CONTAINS(too_large.body, "exceeds the limit of 1024 bytes");

  // Chunked body over the limit: refused while reading.
  std::string chunked = "POST /v1/models/half:predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) chunked += "400\r\n" + std::string(1024, ' ') + "\r\n";
  chunked += "0\r\n\r\n";
  Response chunked_large = SendRaw(port, chunked);
  EXPECT_EQ(chunked_large.status, 413);

  // A small gzip body that inflates past the cap.
  std::string bomb = R"({"instances": [[1.0]], "pad": ")" + std::string(100000, 'x') + "\"}";
  std::string zipped = Gzip(bomb);
  ASSERT_LT(zipped.size(), 1024u);
  Response inflated = Request(port, "POST", "/v1/models/half:predict", zipped, "Content-Encoding: gzip\r\n");
  EXPECT_EQ(inflated.status, 413);
  EXPECT_CONTAINS(inflated.body, "Decompressed request body exceeds the limit of 2048 bytes");

  Response ok = Request(port, "POST", "/v1/models/half:predict", kRowRequest);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.headers["access-control-allow-origin"], "*");
  EXPECT_EQ(ok.headers["access-control-allow-methods"], "POST, GET");

  // An idle keep-alive connection does not hold up shutdown.
  int idle = Connect(port);
  ASSERT_GE(idle, 0);
  SendAll(idle, "GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n");
  char buf[512];
  ASSERT_GT(::recv(idle, buf, sizeof(buf), 0), 0);
  auto start = std::chrono::steady_clock::now();
  (*server)->Shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  (*server)->Shutdown();  // idempotent
  EXPECT_LT(Connect(port), 0);
  ::close(idle);
}

TEST(RestServerReady, NotReadyNamesModels) {
  servable::ManagerOptions mopts;
  mopts.file_system_poll_wait_seconds = 0;
  mopts.max_load_retries = 0;
  servable::ServableManager manager(mopts);
  servable::ModelConfig config;
  config.name = "ghost";
  config.base_path = "/nonexistent/serval/ghost";
  manager.SetModels({config});
  RestOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.num_threads = 1;
  auto server = RestServer::Start(&manager, options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  Response r = Request((*server)->port(), "GET", "/v2/health/ready");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_CONTAINS(r.body, "'ghost'");
  EXPECT_EQ(Request((*server)->port(), "GET", "/v2/health/live").status, 200);
}

TEST(RestServerStart, RejectsBadAddress) {
  servable::ServableManager manager(servable::ManagerOptions{});
  RestOptions options;
  options.address = "not-an-address";
  EXPECT_FALSE(RestServer::Start(&manager, options).ok());
  EXPECT_FALSE(RestServer::Start(nullptr, RestOptions{}).ok());
}

}  // namespace
}  // namespace serval::api
