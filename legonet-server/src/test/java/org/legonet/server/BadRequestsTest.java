package org.legonet.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Requests the service must refuse: each gets a JSON error with a fitting status and code, and
 * none changes anything (no request is logged or queued, the model stays as it was).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadRequestsTest {
    private static final long MAX_BODY = 64 * 1024;
    private static final int MAX_BATCH = 8;

    private Path tmp;
    private Path model;
    private LegoNetServer server;
    private Fixture.Http http;
    private String digest;

    @BeforeAll
    void start(@TempDir Path dir) {
        tmp = dir;
        model = Fixture.model(tmp.resolve("m"));
        server = LegoNetServer.start(Fixture.config(model).optMaxBodyBytes(MAX_BODY).optMaxBatch(MAX_BATCH).build());
        http = new Fixture.Http(server);
        digest = server.modelDigest();
    }

    @AfterAll
    void stop() throws Exception {
        // nothing any of the tests sent was logged, queued or applied
        assertThat(Files.size(model.resolve(RequestLog.FILE))).isZero();
        assertThat(server.queueDepth()).isZero();
        assertThat(server.receipts()).isZero();
        assertThat(server.modelDigest()).isEqualTo(digest);
        server.close();
    }

    private static String row(int n) {
        return "[" + String.join(",", Collections.nCopies(n, "0.5")) + "]";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not JSON                 | /v1/predict | {"instances": [[1, 2,  | 400 | malformed_json
            trailing garbage         | /v1/predict | {"instances": []} xyz    | 400 | malformed_json
            empty body               | /v1/forget  | ''                       | 400 | malformed_json
            not an object            | /v1/forget  | [1, 2, 3]                | 400 | invalid_request
            no instances             | /v1/predict | {"rows": []}             | 400 | invalid_request
            instances not a list     | /v1/predict | {"instances": 5}         | 400 | invalid_request
            no instance              | /v1/predict | {"instances": []}        | 400 | invalid_request
            instance not a list      | /v1/predict | {"instances": [5]}       | 400 | invalid_request
            too short                | /v1/predict | {"instances": [[1,2,3]]} | 400 | wrong_dimension
            too long                 | /v1/predict | {"instances": [[1,2,3,4,5,6,7]]} | 400 | wrong_dimension
            NaN                      | /v1/predict | {"instances": [[1,2,NaN,4,5,6]]} | 400 | invalid_value
            Infinity                 | /v1/predict | {"instances": [[1,2,3,4,5,-Infinity]]} | 400 | invalid_value
            beyond float             | /v1/predict | {"instances": [[1,2,3,4,5,1e39]]} | 400 | invalid_value
            a string                 | /v1/predict | {"instances": [[1,2,"3",4,5,6]]} | 400 | invalid_value
            neither ids nor class    | /v1/forget  | {"id": [1000]}           | 400 | invalid_request
            both ids and class       | /v1/forget  | {"ids": [1300], "class": 1} | 400 | invalid_request
            empty ids                | /v1/forget  | {"ids": []}              | 400 | invalid_value
            fractional id            | /v1/forget  | {"ids": [1300.5]}        | 400 | invalid_value
            id as a string           | /v1/forget  | {"ids": ["1300"]}        | 400 | invalid_value
            id beyond long           | /v1/forget  | {"ids": [99999999999999999999]} | 400 | invalid_value
            class as a string        | /v1/forget  | {"class": "shirts"}      | 400 | invalid_value
            class out of range       | /v1/forget  | {"class": 3}             | 422 | unknown_class
            negative class           | /v1/forget  | {"class": -1}            | 422 | unknown_class
            public sample            | /v1/forget  | {"ids": [1003]}          | 422 | unknown_ids
            never a sample           | /v1/forget  | {"ids": [1301]}          | 422 | unknown_ids
            """)
    void isRefusedWithAJsonError(String what, String path, String body, int status, String code) {
        assertThat(http.post(path, body).error(status)).as(what).isEqualTo(code);
    }

    @Test
    void malformedJsonSaysWhereItBroke() {
        Fixture.Response r = http.post("/v1/forget", "{\"ids\": [1300");
        assertThat(r.error(400)).isEqualTo("malformed_json");
        assertThat(r.json().get("error").get("message").asText()).contains("line 1, column")
                .doesNotContain("Source:").doesNotContain("REDACTED");
    }

    @Test
    void unknownIdsAmongKnownOnesAreNamedAndNothingIsQueued() {
        long known = Fixture.privateId(5);
        Fixture.Response r = http.post("/v1/forget", "{\"ids\": [" + known + ", 1301, 5, " + Fixture.privateId(6) + "]}");
        assertThat(r.error(422)).isEqualTo("unknown_ids");
        assertThat(r.json().get("error").get("message").asText()).contains("ids 5, 1301:").doesNotContain(Long.toString(known))
                .contains("nothing was queued");
    }

    @Test
    void aBatchLargerThanTheLimitIsRefused() {
        String batch = "{\"instances\": [" + String.join(",", Collections.nCopies(MAX_BATCH + 1, row(6))) + "]}";
        Fixture.Response tooMany = http.post("/v1/predict", batch);
        assertThat(tooMany.error(413)).isEqualTo("batch_too_large");
        assertThat(tooMany.json().get("error").get("message").asText()).endsWith("the limit is " + MAX_BATCH)
                .doesNotContain("--");
        String ok = "{\"instances\": [" + String.join(",", Collections.nCopies(MAX_BATCH, row(6))) + "]}";
        assertThat(http.post("/v1/predict", ok).json().get("predictions")).hasSize(MAX_BATCH);
    }

    @Test
    void anOversizeBodyIsRefusedWhetherItsLengthIsDeclaredOrNot() {
        String big = "{\"instances\": [" + String.join(",", Collections.nCopies(3000, row(6))) + "]}";
        assertThat(big.length()).isGreaterThan((int) MAX_BODY);
        Fixture.Response tooBig = http.post("/v1/predict", big);
        assertThat(tooBig.error(413)).isEqualTo("body_too_large");
        assertThat(tooBig.json().get("error").get("message").asText()).endsWith("the limit of " + MAX_BODY + " bytes");
        // chunked: no Content-Length, so the limit is enforced while reading
        HttpRequest chunked = http.request("/v1/forget").header("Authorization", "Bearer " + Fixture.TOKEN)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(
                        ("{\"ids\": [" + "1300, ".repeat(20_000) + "1300]}").getBytes()))).build();
        assertThat(http.send(chunked).error(413)).isEqualTo("body_too_large");
    }

    @Test
    void aMissingOrWrongTokenGets401() {
        String body = "{\"ids\": [" + Fixture.privateId(1) + "]}";
        Fixture.Response none = http.send(http.request("/v1/forget").POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertThat(none.error(401)).isEqualTo("unauthorized");
        assertThat(none.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"legonet\"");
        for (String auth : new String[] {"Bearer wrong-token", "Bearer " + Fixture.TOKEN + "x", "Basic " + Fixture.TOKEN,
                Fixture.TOKEN, "Bearer"}) {
            Fixture.Response r = http.send(http.request("/v1/forget").header("Authorization", auth)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
            assertThat(r.error(401)).as(auth).isEqualTo("unauthorized");
        }
        for (String path : new String[] {"/v1/model", "/metrics", "/v1/forget/fr-x"}) {
            assertThat(http.send(http.request(path).GET().build()).error(401)).as(path).isEqualTo("unauthorized");
        }
        assertThat(http.send(http.request("/v1/predict").POST(HttpRequest.BodyPublishers.ofString(
                "{\"instances\": [" + row(6) + "]}")).build()).error(401)).isEqualTo("unauthorized");
    }

    @Test
    void unknownRequestsPathsAndMethodsAreJsonErrorsToo() {
        assertThat(http.get("/v1/forget/fr-000000000000000000000000").error(404)).isEqualTo("unknown_request");
        assertThat(http.get("/v1/forget/fr-x?wait_seconds=abc").error(400)).isEqualTo("invalid_value");
        assertThat(http.get("/v1/forget/fr-x?wait_seconds=61").error(400)).isEqualTo("invalid_value");
        assertThat(http.get("/v2/nothing").error(404)).isEqualTo("not_found");
        assertThat(http.get("/v1/predict").error(405)).isEqualTo("method_not_allowed");
        assertThat(http.send(http.request("/v1/model").header("Authorization", "Bearer " + Fixture.TOKEN)
                .DELETE().build()).error(405)).isEqualTo("method_not_allowed");
    }

    @Test
    void predictCanBeOpenedWhileForgetStaysGuarded() {
        Path copy = Fixture.copyTree(model, tmp.resolve("open"));
        try (LegoNetServer open = LegoNetServer.start(Fixture.config(copy).optOpenPredict(true).build())) {
            Fixture.Http h = new Fixture.Http(open);
            Fixture.Response p = h.send(h.request("/v1/predict").POST(HttpRequest.BodyPublishers.ofString(
                    "{\"instances\": [" + row(6) + "]}")).build());
            assertThat(p.status()).as(p.body()).isEqualTo(200);
            assertThat(h.send(h.request("/v1/forget").POST(HttpRequest.BodyPublishers.ofString("{\"class\": 1}")).build())
                    .error(401)).isEqualTo("unauthorized");
        }
    }
}
