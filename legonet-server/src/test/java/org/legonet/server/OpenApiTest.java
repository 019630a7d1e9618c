package org.legonet.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.Version;

/**
 * {@code GET /openapi.json}: the document a live server serves is valid OpenAPI (swagger-parser),
 * documents every route the server registers, has the bearer scheme where the server asks for a
 * token, and every answer the server gives (each endpoint, the main error statuses) is valid
 * against the schema of its operation and status (a JSON Schema validator, OpenAPI 3.0 dialect).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiTest {
    private static final long MAX_BODY = 64 * 1024;
    private static final int MAX_BATCH = 8;
    /** The document's base IRI for the validator: never fetched, the served text is registered under it. */
    private static final String DOC_IRI = "https://legonet.invalid/openapi.json";
    /** A sample id the fixture's model never held. */
    private static final long NEW_ID = 999_999_001L;
    /** The fields of an OpenAPI document: the validator reads the whole document as the root of the schemas. */
    private static final Set<String> DOCUMENT_FIELDS = Set.of("openapi", "info", "servers", "tags", "security", "paths",
            "components");
    /**
     * OpenAPI 3.0's schema dialect, where a keyword it does not know fails the test (a misspelt
     * {@code additionalProperties} would otherwise check nothing), but the document's own fields.
     */
    private static final Dialect DIALECT = Dialect.builder(Dialects.getOpenApi30())
            .unknownKeywordFactory((name, context) -> {
                if (DOCUMENT_FIELDS.contains(name)) {
                    return new NonValidationKeyword(name);
                }
                throw new AssertionError("'" + name + "' is not a keyword of OpenAPI 3.0 schemas");
            }).build();

    private LegoNetServer server;
    private Fixture.Http http;
    private String docText;
    private JsonNode doc;
    private SchemaRegistry schemas;

    @BeforeAll
    void start(@TempDir Path tmp) {
        server = LegoNetServer.start(Fixture.config(Fixture.model(tmp.resolve("m"))).optMaxBodyBytes(MAX_BODY)
                .optMaxBatch(MAX_BATCH).build());
        http = new Fixture.Http(server);
        Fixture.Response r = noToken("/openapi.json");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        docText = r.body();
        doc = r.json();
        schemas = SchemaRegistry.withDialect(DIALECT, b -> b.schemas(Map.of(DOC_IRI, docText)));
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private Fixture.Response noToken(String path) {
        return http.send(http.request(path).GET().build());
    }

    private static JsonNode readTree(String text) {
        try {
            return Fixture.JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static SwaggerParseResult parse(String text) {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        return new OpenAPIV3Parser().readContents(text, null, options);
    }

    // ------------------------------------------------------------------------------------------
    // The document

    @Test
    void theServedDocumentIsValidOpenApiWithTheProjectVersionAndTheBearerScheme() {
        SwaggerParseResult result = parse(docText);
        assertThat(result.getMessages()).as("parser messages").isEmpty();
        OpenAPI api = result.getOpenAPI();
        assertThat(api).isNotNull();
        assertThat(api.getOpenapi()).isEqualTo("3.0.3");
        assertThat(api.getInfo().getVersion()).isEqualTo(Version.VERSION);

        Map<String, SecurityScheme> schemes = api.getComponents().getSecuritySchemes();
        assertThat(schemes).containsOnlyKeys("bearer");
        assertThat(schemes.get("bearer").getType()).isEqualTo(SecurityScheme.Type.HTTP);
        assertThat(schemes.get("bearer").getScheme()).isEqualTo("bearer");
        assertThat(api.getSecurity()).containsExactly(new SecurityRequirement().addList("bearer"));
        // exactly health and the document itself need no token; predict needs one by default
        Set<String> open = new TreeSet<>();
        api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, op) -> {
            if (op.getSecurity() != null) {
                assertThat(op.getSecurity()).as("%s %s", method, path).isEmpty();
                open.add(method + " " + path);
            } else {
                assertThat(op.getResponses()).as("%s %s needs a token: 401", method, path).containsKey("401");
            }
        }));
        assertThat(open).containsExactly("GET /openapi.json", "GET /v1/health");
    }

    @Test
    void theParserReportsABrokenDocument() {
        ObjectNode broken = doc.deepCopy();
        broken.remove("info");
        ((ObjectNode) broken.at("/paths/~1v1~1model/get/responses/200/content/application~1json/schema"))
                .put("$ref", "#/components/schemas/NoSuchSchema");
        assertThat(parse(broken.toString()).getMessages()).anyMatch(m -> m.contains("info"))
                .anyMatch(m -> m.contains("NoSuchSchema"));
    }

    /**
     * Every error code the service's code sets ({@code new ApiError(status, "code", ...)},
     * {@code badRequest("code", ...)}, {@code error(ctx, status, "code", ...)} and the HTTP layer's codes) is in the document, under its
     * status: a new code fails here until it is documented.
     */
    @Test
    void everyErrorCodeTheServerSetsIsDocumentedUnderItsStatus() throws IOException {
        Pattern apiError = Pattern.compile("new ApiError\\(\\s*(\\d{3}),\\s*\"([a-z_0-9]+)\"");
        Pattern badRequest = Pattern.compile("badRequest\\(\\s*\"([a-z_0-9]+)\"");
        Pattern httpCode = Pattern.compile("case (\\d{3}) -> \"([a-z_0-9]+)\"");
        Pattern direct = Pattern.compile("error\\(ctx, (\\d{3}), \"([a-z_0-9]+)\"");
        Set<String> set = new TreeSet<>();
        try (Stream<Path> files = Files.list(Path.of("src/main/java/org/legonet/server"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String src = Files.readString(f);
                for (Pattern p : List.of(apiError, httpCode, direct)) {
                    Matcher m = p.matcher(src);
                    while (m.find()) {
                        set.add(m.group(1) + " " + m.group(2));
                    }
                }
                Matcher m = badRequest.matcher(src);
                while (m.find()) {
                    set.add("400 " + m.group(1));
                }
            }
        }
        assertThat(set).as("codes found in the sources").contains("400 malformed_json", "401 unauthorized",
                "404 unknown_request", "413 body_too_large", "422 unknown_ids", "503 shutting_down");
        Set<String> documented = new TreeSet<>();
        JsonNode schemasNode = doc.at("/components/schemas");
        schemasNode.fieldNames().forEachRemaining(name -> {
            if (name.matches("Error\\d{3}")) {
                schemasNode.get(name).at("/properties/error/properties/code/enum")
                        .forEach(c -> documented.add(name.substring(5) + " " + c.asText()));
            }
        });
        Set<String> generic = new TreeSet<>();
        schemasNode.at("/Error/properties/error/properties/code/enum").forEach(c -> generic.add(c.asText()));
        for (String statusAndCode : set) {
            String status = statusAndCode.substring(0, 3);
            String code = statusAndCode.substring(4);
            assertThat(generic).as("the Error schema's codes").contains(code);
            if (!status.equals("405")) {
                assertThat(documented).as("codes documented by status").contains(statusAndCode);
            }
        }
        // and nothing documented that the server never sets (codes the model's errors map to are in ApiError.of)
        Set<String> codes = new TreeSet<>();
        set.forEach(s -> codes.add(s.substring(4)));
        assertThat(codes).containsAll(generic);
    }

    @Test
    void everyRouteTheServerServesIsDocumentedAndNothingElse() {
        OpenAPI api = parse(docText).getOpenAPI();
        Set<String> documented = new TreeSet<>();
        api.getPaths().forEach((path, item) -> item.readOperationsMap().keySet()
                .forEach(method -> documented.add(method + " " + path)));
        List<String> served = server.endpoints();
        assertThat(served).contains("GET /openapi.json", "POST /v1/predict");
        assertThat(new TreeSet<>(served)).isEqualTo(documented);
    }

    @Test
    void withOpenPredictThePredictOperationNeedsNoTokenAndAnswersAsDocumented(@TempDir Path tmp) {
        try (LegoNetServer open = LegoNetServer.start(Fixture.config(Fixture.model(tmp.resolve("m")))
                .optOpenPredict(true).build())) {
            Fixture.Http h = new Fixture.Http(open);
            String text = h.send(h.request("/openapi.json").GET().build()).body();
            OpenAPI api = parse(text).getOpenAPI();
            Operation predict = api.getPaths().get("/v1/predict").getPost();
            assertThat(predict.getSecurity()).isEmpty();
            assertThat(predict.getResponses()).doesNotContainKey("401");
            assertThat(api.getPaths().get("/v1/forget").getPost().getSecurity()).isNull();
            Fixture.Response r = h.send(h.request("/v1/predict").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [" + Fixture.instance(3) + "]}"))
                    .build());
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            JsonNode openDoc = readTree(text);
            // the schemas the check validates with are the default server's: the same
            assertThat(openDoc.get("components")).isEqualTo(doc.get("components"));
            assertThat(violations(openDoc, "post", "/v1/predict", r)).isEmpty();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Live answers against the document

    @Test
    void everyEndpointAnswersAsDocumented() {
        check("get", "/v1/health", 200, noToken("/v1/health"));
        check("get", "/openapi.json", 200, noToken("/openapi.json"));
        Fixture.Response predict = http.post("/v1/predict", "{\"instances\": [" + Fixture.instance(0) + ","
                + Fixture.instance(1) + "]}");
        check("post", "/v1/predict", 200, predict);
        assertFields(predict.json(), "mask");
        assertFields(predict.json().get("predictions").get(0), "adapters");
        Fixture.Response model = http.get("/v1/model");
        check("get", "/v1/model", 200, model);
        assertFields(model.json(), "mask");
        Fixture.Response metrics = http.get("/metrics");
        check("get", "/metrics", 200, metrics);
        assertThat(metrics.body()).contains("legonet_http_requests_seconds_count");

        Fixture.Response forget = http.post("/v1/forget", "{\"ids\": [" + Fixture.privateId(5) + "]}");
        check("post", "/v1/forget", 202, forget);
        String forgetId = forget.json().get("request_id").asText();
        check("get", "/v1/forget/{id}", 200, http.get("/v1/forget/" + forgetId));
        Fixture.Response add = http.post("/v1/samples", "{\"samples\": [{\"id\": " + NEW_ID + ", \"label\": 1, "
                + "\"features\": " + Fixture.instance(2) + "}]}");
        check("post", "/v1/samples", 202, add);
        String addId = add.json().get("request_id").asText();
        check("get", "/v1/requests/{id}", 200, http.get("/v1/requests/" + addId));

        // done, with receipts
        http.awaitDone(forgetId);
        Fixture.Response doneForget = http.get("/v1/requests/" + forgetId);
        check("get", "/v1/requests/{id}", 200, doneForget);
        assertThat(doneForget.json().get("receipt").get("kind").asText()).isEqualTo("ids");
        // the fields of a forget carried out by a commit, each checked against its schema above
        assertFields(doneForget.json(), "masked", "masked_adapters", "committed", "committed_generation", "timings",
                "receipt");
        assertFields(doneForget.json().get("timings"), "masked_ms", "acknowledged_ms", "committed_ms");
        assertFields(doneForget.json().get("receipt"), "masked", "commit", "batch_requests", "id_hashes");
        http.awaitDone(addId);
        Fixture.Response doneAdd = http.get("/v1/forget/" + addId + "?wait_seconds=5");
        check("get", "/v1/forget/{id}", 200, doneAdd);
        assertThat(doneAdd.json().get("receipt").get("added").asInt()).isEqualTo(1);
        Fixture.Response classForget = http.post("/v1/forget", "{\"class\": 2}");
        check("post", "/v1/forget", 202, classForget);
        JsonNode classDone = http.awaitDone(classForget.json().get("request_id").asText());
        assertThat(classDone.get("receipt").get("kind").asText()).isEqualTo("class");
        check("get", "/v1/requests/{id}", 200, http.get("/v1/requests/" + classDone.get("request_id").asText()));
        check("get", "/v1/model", 200, http.get("/v1/model"));
    }

    @Test
    void everyErrorAnswersAsDocumentedForItsStatus() {
        String one = "{\"instances\": [" + Fixture.instance(0) + "]}";
        // 401, on every endpoint that needs a token
        for (String[] e : new String[][] {{"post", "/v1/predict", "/v1/predict"}, {"post", "/v1/forget", "/v1/forget"},
                {"post", "/v1/samples", "/v1/samples"}, {"get", "/v1/requests/{id}", "/v1/requests/fr-1"},
                {"get", "/v1/forget/{id}", "/v1/forget/fr-1"}, {"get", "/v1/model", "/v1/model"},
                {"get", "/metrics", "/metrics"}}) {
            HttpRequest.Builder b = http.request(e[2]);
            Fixture.Response r = http.send((e[0].equals("post") ? b.POST(HttpRequest.BodyPublishers.ofString(one))
                    : b.GET()).build());
            assertThat(check(e[0], e[1], 401, r)).isEqualTo("unauthorized");
            assertThat(r.headers().firstValue("www-authenticate").orElse("")).startsWith("Bearer");
        }
        Fixture.Response wrongToken = http.send(http.request("/v1/model").header("Authorization", "Bearer nope")
                .GET().build());
        assertThat(check("get", "/v1/model", 401, wrongToken)).isEqualTo("unauthorized");

        // 400
        assertThat(check("post", "/v1/predict", 400, http.post("/v1/predict", "{\"instances\": [[1, 2,")))
                .isEqualTo("malformed_json");
        assertThat(check("post", "/v1/predict", 400, http.post("/v1/predict", "{\"rows\": []}")))
                .isEqualTo("invalid_request");
        assertThat(check("post", "/v1/predict", 400, http.post("/v1/predict", "{\"instances\": [[1, 2, 3]]}")))
                .isEqualTo("wrong_dimension");
        assertThat(check("post", "/v1/predict", 400, http.post("/v1/predict", "{\"instances\": [[1,2,NaN,4,5,6]]}")))
                .isEqualTo("invalid_value");
        assertThat(check("post", "/v1/forget", 400, http.post("/v1/forget", "")))
                .isEqualTo("malformed_json");
        assertThat(check("post", "/v1/forget", 400, http.post("/v1/forget", "{\"ids\": [1], \"class\": 1}")))
                .isEqualTo("invalid_request");
        assertThat(check("post", "/v1/forget", 400, http.post("/v1/forget", "{\"ids\": [\"x\"]}")))
                .isEqualTo("invalid_value");
        assertThat(check("post", "/v1/samples", 400, http.post("/v1/samples", "{\"samples\": [{\"id\": 5, "
                + "\"label\": 0, \"features\": [1, 2]}]}"))).isEqualTo("wrong_dimension");
        assertThat(check("get", "/v1/requests/{id}", 400, http.get("/v1/requests/fr-1?wait_seconds=99")))
                .isEqualTo("invalid_value");

        // 404
        assertThat(check("get", "/v1/requests/{id}", 404, http.get("/v1/requests/fr-000000000000000000000000")))
                .isEqualTo("unknown_request");
        assertThat(check("get", "/v1/forget/{id}", 404, http.get("/v1/forget/nothing")))
                .isEqualTo("unknown_request");

        // 409: an id the model holds already
        assertThat(check("post", "/v1/samples", 409, http.post("/v1/samples", "{\"samples\": [{\"id\": "
                + Fixture.privateId(4) + ", \"label\": 0, \"features\": " + Fixture.instance(4) + "}]}")))
                .isEqualTo("id_conflict");

        // 413: too many rows, too many bytes
        String nine = "{\"instances\": [" + String.join(",", Collections.nCopies(MAX_BATCH + 1, Fixture.instance(0)))
                + "]}";
        assertThat(check("post", "/v1/predict", 413, http.post("/v1/predict", nine))).isEqualTo("batch_too_large");
        String huge = "{\"ids\": [" + "1,".repeat((int) MAX_BODY) + "1]}";
        assertThat(check("post", "/v1/forget", 413, http.post("/v1/forget", huge))).isEqualTo("body_too_large");

        // 422: nothing the model holds
        assertThat(check("post", "/v1/forget", 422, http.post("/v1/forget", "{\"ids\": [7]}")))
                .isEqualTo("unknown_ids");
        assertThat(check("post", "/v1/forget", 422, http.post("/v1/forget", "{\"class\": 3}")))
                .isEqualTo("unknown_class");

        // no endpoint: not an operation of the document, but its Error schema
        Fixture.Response notFound = http.get("/v2/nothing");
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(validate("/components/schemas/Error", notFound.json())).isEmpty();
        assertThat(notFound.json().at("/error/code").asText()).isEqualTo("not_found");
        Fixture.Response notAllowed = http.post("/v1/model", "{}");
        assertThat(notAllowed.status()).isEqualTo(405);
        assertThat(validate("/components/schemas/Error", notAllowed.json())).isEmpty();
        assertThat(notAllowed.json().at("/error/code").asText()).isEqualTo("method_not_allowed");
    }

    /** A sample whose adapters are all masked waits the mask wait, then gets 503 masked with Retry-After. */
    @Test
    void aPredictionLeftNoAdapterAnswers503MaskedAsDocumented(@TempDir Path tmp) throws InterruptedException {
        HoldWorker hold = new HoldWorker();
        try (LegoNetServer held = LegoNetServer.start(Fixture.config(Fixture.model(tmp.resolve("m")))
                .optMaskWait(Duration.ofMillis(100)).optFaults(hold).build())) {
            try {
                Fixture.Http h = new Fixture.Http(held);
                int row = 0;
                int label = Fixture.privateData().label(row);
                Fixture.Response forget = h.post("/v1/forget", "{\"class\": " + label + "}");
                check("post", "/v1/forget", 202, forget);
                assertThat(hold.taken.await(30, TimeUnit.SECONDS)).isTrue();
                // the worker holds the batch: the class's adapters stay masked
                Fixture.Response masked = h.get("/v1/forget/" + forget.json().get("request_id").asText());
                check("get", "/v1/forget/{id}", 200, masked);
                assertThat(masked.json().get("state").asText()).isIn("masked", "running");
                assertFields(masked.json(), "masked", "masked_adapters", "timings");
                Fixture.Response model = h.get("/v1/model");
                check("get", "/v1/model", 200, model);
                assertThat(model.json().at("/mask/adapters")).isNotEmpty();
                Fixture.Response r = h.post("/v1/predict", "{\"instances\": [" + Fixture.instance(row) + "]}");
                assertThat(check("post", "/v1/predict", 503, r)).isEqualTo("masked");
                assertThat(r.headers().firstValue("retry-after")).hasValueSatisfying(v -> assertThat(v).matches("\\d+"));
            } finally {
                hold.release.countDown();
            }
        }
    }

    /** Holds the worker once it has taken its first batch, until released. */
    private static final class HoldWorker implements FaultInjector {
        final CountDownLatch taken = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void at(String point) {
            if (point.equals(FaultInjector.BATCH_TAKEN) && taken.getCount() > 0) {
                taken.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // The check itself can fail

    @Test
    void answersThatDifferFromTheDocumentFailTheCheck() {
        Fixture.Response r = http.post("/v1/predict", "{\"instances\": [" + Fixture.instance(0) + "]}");
        assertThat(violations(doc, "post", "/v1/predict", r)).isEmpty();
        JsonNode good = r.json();

        ObjectNode noLabel = good.deepCopy();
        ((ObjectNode) noLabel.get("predictions").get(0)).remove("label");
        assertThat(validate(responseSchema(doc, "post", "/v1/predict", 200, "application/json"), noLabel))
                .as("a prediction without its label").isNotEmpty();

        ObjectNode extra = good.deepCopy();
        extra.put("confidence", 0.5);
        assertThat(validate(responseSchema(doc, "post", "/v1/predict", 200, "application/json"), extra))
                .as("a field the document does not name").isNotEmpty();

        ObjectNode badDigest = good.deepCopy();
        badDigest.put("model_digest", "xyz");
        assertThat(validate(responseSchema(doc, "post", "/v1/predict", 200, "application/json"), badDigest))
                .as("a digest that is not 64 hex digits").isNotEmpty();

        ObjectNode textLabel = good.deepCopy();
        ((ObjectNode) textLabel.get("predictions").get(0)).put("label", "shirt");
        assertThat(validate(responseSchema(doc, "post", "/v1/predict", 200, "application/json"), textLabel))
                .as("a label that is not an integer").isNotEmpty();

        JsonNode unknownIds = http.post("/v1/forget", "{\"ids\": [7]}").json();
        assertThat(validate(responseSchema(doc, "post", "/v1/forget", 422, "application/json"), unknownIds)).isEmpty();
        assertThat(validate(responseSchema(doc, "post", "/v1/forget", 400, "application/json"), unknownIds))
                .as("a 422 code under 400").isNotEmpty();

        ArrayNode notAnObject = Fixture.JSON.createArrayNode().add(1);
        assertThat(validate(responseSchema(doc, "get", "/v1/health", 200, "application/json"), notAnObject))
                .isNotEmpty();

        // a status the operation does not document (other than by its default) is a violation
        Fixture.Response created = new Fixture.Response(201, r.body(), r.headers());
        assertThat(violations(doc, "post", "/v1/predict", created)).anyMatch(v -> v.contains("201"));
    }

    // ------------------------------------------------------------------------------------------

    /**
     * Asserts that {@code r} has status {@code status} and no violation of the document, and
     * returns its error code (or null).
     */
    private String check(String method, String template, int status, Fixture.Response r) {
        assertThat(r.status()).as("%s %s: %s", method, template, r.body()).isEqualTo(status);
        assertThat(violations(doc, method, template, r)).as("%s %s -> %d %s", method, template, status, r.body())
                .isEmpty();
        JsonNode code = r.headers().firstValue("content-type").orElse("").startsWith("application/json")
                ? r.json().at("/error/code") : null;
        return code == null || code.isMissingNode() ? null : code.asText();
    }

    /**
     * How {@code r}, the answer to {@code method template}, differs from document {@code d}: a
     * status the operation does not document, a media type it does not give for it, a header it
     * documents missing, or the body against the schema.
     */
    private List<String> violations(JsonNode d, String method, String template, Fixture.Response r) {
        List<String> out = new ArrayList<>();
        JsonNode op = d.get("paths").path(template).path(method);
        if (op.isMissingNode()) {
            out.add("no operation " + method + " " + template);
            return out;
        }
        JsonNode response = op.get("responses").get(Integer.toString(r.status()));
        if (response == null) {
            out.add("status " + r.status() + " is not documented for " + method + " " + template);
            return out;
        }
        response = resolve(d, response);
        for (Iterator<String> h = response.path("headers").fieldNames(); h.hasNext(); ) {
            String name = h.next();
            if (r.headers().firstValue(name).isEmpty()) {
                out.add("header " + name + " missing");
            }
        }
        String type = r.headers().firstValue("content-type").orElse("").split(";")[0].strip().toLowerCase(Locale.ROOT);
        if (!response.path("content").has(type)) {
            out.add("media type " + type + " is not documented for " + r.status());
            return out;
        }
        if (type.equals("application/json")) {
            String pointer = responseSchema(d, method, template, r.status(), type);
            for (Error e : validate(pointer, r.json())) {
                out.add(e.toString());
            }
        }
        return out;
    }

    /** Asserts that {@code node} has each of {@code fields}, so that their schemas were exercised. */
    private static void assertFields(JsonNode node, String... fields) {
        for (String f : fields) {
            assertThat(node.has(f)).as("%s in %s", f, node).isTrue();
        }
    }

    /** The pointer into {@code d} of the schema of one answer (following a response $ref). */
    private static String responseSchema(JsonNode d, String method, String template, int status, String type) {
        JsonNode response = d.get("paths").get(template).get(method).get("responses").get(Integer.toString(status));
        String base = response.has("$ref") ? response.get("$ref").asText().substring(1)
                : "/paths/" + escape(template) + "/" + method + "/responses/" + status;
        return base + "/content/" + escape(type) + "/schema";
    }

    private static JsonNode resolve(JsonNode d, JsonNode node) {
        return node.has("$ref") ? d.at(node.get("$ref").asText().substring(1)) : node;
    }

    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    /** The errors of {@code value} against the schema at {@code pointer} in the served document. */
    private List<Error> validate(String pointer, JsonNode value) {
        Schema schema = schemas.getSchema(SchemaLocation.of(DOC_IRI + "#" + pointer));
        assertThat(schema.getSchemaNode().isMissingNode()).as("a schema at %s", pointer).isFalse();
        return schema.validate(value);
    }
}
