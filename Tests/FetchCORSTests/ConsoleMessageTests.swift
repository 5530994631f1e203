import FetchCORS
import Testing

/// Chromium's console sentences (cors_error_string.cc as Chromium 156 prints them for `fetch`;
/// the browser matrix compares them with the real console).
struct ConsoleMessageTests {
    static let url = "https://api.example.com/v1/items"
    static let origin = "https://app.example.com"
    static let head = "Access to fetch at 'https://api.example.com/v1/items' from origin 'https://app.example.com' has been blocked by CORS policy: "
    static let preflight = "Response to preflight request doesn't pass access control check: "

    @Test(arguments: [
        (CORSBlock(stage: .preflight, failure: .missingAllowOrigin), preflight + "No 'Access-Control-Allow-Origin' header is present on the requested resource."),
        (CORSBlock(stage: .actual, failure: .missingAllowOrigin), "No 'Access-Control-Allow-Origin' header is present on the requested resource."),
        (CORSBlock(stage: .actual, failure: .wildcardOriginWithCredentials),
         "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'."),
        (CORSBlock(stage: .actual, failure: .multipleAllowOriginValues("a, a")),
         "The 'Access-Control-Allow-Origin' header contains multiple values 'a, a', but only one is allowed. Have the server send the header with a valid value."),
        (CORSBlock(stage: .actual, failure: .invalidAllowOriginValue("foo")),
         "The 'Access-Control-Allow-Origin' header contains the invalid value 'foo'. Have the server send the header with a valid value."),
        (CORSBlock(stage: .preflight, failure: .allowOriginMismatch("null")),
         preflight + "The 'Access-Control-Allow-Origin' header has a value 'null' that is not equal to the supplied origin. Have the server send the header with a valid value."),
        (CORSBlock(stage: .actual, failure: .invalidAllowCredentials("")),
         "The value of the 'Access-Control-Allow-Credentials' header in the response is '' which must be 'true' when the request's credentials mode is 'include'."),
        (CORSBlock(stage: .preflight, failure: .preflightNotOK), preflight + "It does not have HTTP ok status."),
        (CORSBlock(stage: .preflight, failure: .preflightRedirect), preflight + "Redirect is not allowed for a preflight request."),
        (CORSBlock(stage: .preflight, failure: .unparsableAllowMethods),
         "Cannot parse Access-Control-Allow-Methods response header field in preflight response."),
        (CORSBlock(stage: .preflight, failure: .unparsableAllowHeaders),
         "Cannot parse Access-Control-Allow-Headers response header field in preflight response."),
        (CORSBlock(stage: .preflight, failure: .methodNotAllowed("PUT")), "Method PUT is not allowed by Access-Control-Allow-Methods in preflight response."),
        (CORSBlock(stage: .preflight, failure: .headerNotAllowed("x-api-key")),
         "Request header field x-api-key is not allowed by Access-Control-Allow-Headers in preflight response."),
    ])
    func sentence(block: CORSBlock, reason: String) {
        #expect(block.consoleMessage(url: Self.url, origin: Self.origin) == Self.head + reason)
    }

    @Test func aRedirectNamesBothURLs() {
        let block = CORSBlock(stage: .actual, failure: .missingAllowOrigin)
        #expect(
            block.consoleMessage(url: "https://b.example.com/x", initialURL: Self.url, origin: Self.origin)
                == "Access to fetch at 'https://b.example.com/x' (redirected from 'https://api.example.com/v1/items') from origin 'https://app.example.com' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.")
        #expect(!block.consoleMessage(url: Self.url, initialURL: Self.url, origin: Self.origin).contains("redirected"))
    }
}
