// --push: prometheus-cpp's push library (libcurl underneath) sends the registry of the run.
#include <prometheus/gateway.h>
#include <prometheus/registry.h>

#include <fmt/format.h>

#include "mmtest/tool/push.hpp"

namespace mmtest::tool {
namespace {

struct Endpoint {
  std::string host;  // scheme and host, as prometheus::Gateway wants it: "http://127.0.0.1"
  std::string port;
};

std::expected<Endpoint, std::string> parse_url(const std::string& url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos || (url.substr(0, scheme_end) != "http" && url.substr(0, scheme_end) != "https")) {
    return std::unexpected(std::string("expected a URL like http://127.0.0.1:9091"));
  }
  const std::size_t authority = scheme_end + 3;
  const std::size_t path = url.find('/', authority);
  const std::string host_port = url.substr(authority, path == std::string::npos ? std::string::npos : path - authority);
  const std::size_t colon = host_port.rfind(':');
  if (host_port.empty() || colon == 0) return std::unexpected(std::string("expected a URL like http://127.0.0.1:9091"));
  Endpoint endpoint;
  const bool has_port = colon != std::string::npos && host_port.find(']', colon) == std::string::npos;
  endpoint.host = url.substr(0, authority) + (has_port ? host_port.substr(0, colon) : host_port);
  endpoint.port = has_port ? host_port.substr(colon + 1) : (url.starts_with("https") ? "443" : "80");
  if (endpoint.port.empty() || endpoint.port.find_first_not_of("0123456789") != std::string::npos) {
    return std::unexpected(std::string("expected a URL like http://127.0.0.1:9091 (the port is not a number)"));
  }
  return endpoint;
}

}  // namespace

std::expected<void, std::string> push_metrics(const RunModel& model, const std::string& url, const std::string& job) {
  auto endpoint = parse_url(url);
  if (!endpoint) return std::unexpected(endpoint.error());
  const auto registry = build_registry(model);
  prometheus::Gateway gateway(endpoint->host, endpoint->port, job);
  gateway.RegisterCollectable(registry);
  const int status = gateway.Push();
  if (status < 0) {
    return std::unexpected(fmt::format("cannot reach the Pushgateway (curl error {}); is it running there? Check the URL",
                                       -status));
  }
  if (status < 200 || status >= 300) {
    return std::unexpected(fmt::format("the Pushgateway answered HTTP {}; check the URL and the job name", status));
  }
  return {};
}

}  // namespace mmtest::tool
