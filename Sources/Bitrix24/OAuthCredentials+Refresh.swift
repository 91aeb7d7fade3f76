import B24Core

extension OAuthCredentials {
    /// Spends `refreshToken` at the OAuth server for a new pair (the spent token no longer works).
    ///
    /// - Throws: `BitrixError` (`authentication`, with the server's error code such as
    ///   `invalid_grant`) when the server refuses; no secret is in the error.
    public func refreshed(
        refreshToken: Secret, transport: any HTTPTransport
    ) async throws(BitrixError) -> OAuthTokens {
        let query = QueryEncoding.encode([
            "grant_type": "refresh_token", "client_id": .string(clientID),
            "client_secret": .string(clientSecret.value), "refresh_token": .string(refreshToken.value),
        ])
        let url = tokenURL.origin + tokenURL.basePath + "?" + query
        let response: TransportResponse
        do {
            response = try await transport.send(TransportRequest(method: "GET", url: url, timeout: 30))
        } catch {
            var failure = error
            failure.method = "oauth/token"
            failure.portal = endpoint.origin
            throw failure
        }
        let json = try? JSON.parse(response.body)
        guard response.status == 200, let access = json?["access_token"]?.stringValue,
            let refresh = json?["refresh_token"]?.stringValue
        else {
            let code = json?["error"]?.stringValue ?? "HTTP \(response.status)"
            throw BitrixError(
                code: .authentication, httpStatus: response.status, bitrixCode: json?["error"]?.stringValue,
                message: "the OAuth token refresh was refused (\(code)); authorise the application again",
                method: "oauth/token", portal: endpoint.origin)
        }
        return OAuthTokens(
            accessToken: Secret(access), refreshToken: Secret(refresh), expires: json?["expires"]?.lenientDouble,
            memberID: json?["member_id"]?.stringValue)
    }
}
