package org.legonet.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.router.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.legonet.core.Version;

/**
 * The OpenAPI 3.0 document of the service, served at {@link #PATH} without a token. It is written
 * by hand ({@code openapi.json} beside this class) and adapted to the server that serves it: its
 * {@code info.version} is the LegoNet version, and with {@code --open-predict} the predict
 * operation needs no token ({@code security: []}, no 401), as the server then behaves.
 */
final class OpenApi {
    /** Where the service serves the document. */
    static final String PATH = "/openapi.json";
    private static final String RESOURCE = "openapi.json";
    private static final String PREDICT = "/v1/predict";

    private OpenApi() {
    }

    /** The document as the server configured with {@code openPredict} serves it (compact JSON). */
    static byte[] document(boolean openPredict) {
        ObjectNode doc;
        try (InputStream in = OpenApi.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the resource " + RESOURCE + " is missing from the server's jar");
            }
            doc = (ObjectNode) Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the resource " + RESOURCE, e);
        }
        ((ObjectNode) doc.get("info")).put("version", Version.VERSION);
        if (openPredict) {
            ObjectNode predict = (ObjectNode) doc.get("paths").get(PREDICT).get("post");
            predict.putArray("security");
            ((ObjectNode) predict.get("responses")).remove("401");
        }
        return Json.bytes(doc);
    }

    /**
     * The routes {@code app} serves, each as {@code "METHOD /path"} with the path template as the
     * document writes it (before and after handlers left out): the test checks each is documented.
     */
    static List<String> endpoints(Javalin app) {
        return app.unsafeConfig().pvt.internalRouter.allHttpHandlers().stream()
                .map(p -> p.getEndpoint())
                .filter(e -> e.getMethod().isHttpMethod())
                .map(OpenApi::name)
                .toList();
    }

    private static String name(Endpoint e) {
        return e.getMethod().name() + " " + e.getPath();
    }
}
