package org.legonet.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.stream.Stream;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.Trained;
import org.legonet.core.store.ModelStore;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.Progress;

/** A small model directory, a service on loopback over it, and an HTTP client for the tests. */
final class Fixture {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "test-token-0123456789abcdef";
    static final int PUBLIC = 100;
    static final int ROWS = 700;

    private static Dataset[] split;
    private static Trained trained;

    private Fixture() {
    }

    /** The private samples of the model (ids {@code 1000 + 3 * row}, dimension 6, 3 classes). */
    static synchronized Dataset privateData() {
        train();
        return split[1];
    }

    private static synchronized void train() {
        if (trained == null) {
            split = SmallModels.blobs(ROWS, PUBLIC, 11);
            trained = SmallModels.train(SmallModels.config(5), split);
        }
    }

    /** A fresh model directory at {@code dir}. */
    static Path model(Path dir) {
        train();
        ModelStore.create(dir, trained, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        return dir;
    }

    /** A fresh model directory at {@code dir}, the same model with route-hiding cover {@code cover}. */
    static Path modelWithCover(Path dir, int cover) {
        train();
        ModelStore.create(dir, new Trained(trained.model().withCover(cover), trained.data(), trained.privateRaw(),
                trained.stats()), SmallModels.info(split), SmallModels.ID_KEY, false,
                Progress.NONE);
        return dir;
    }

    /** A fresh model directory at {@code dir} trained on the same samples with {@code config}. */
    static Path model(Path dir, org.legonet.core.ModelConfig config) {
        train();
        ModelStore.create(dir, SmallModels.train(config, split), SmallModels.info(split), SmallModels.ID_KEY, false,
                Progress.NONE);
        return dir;
    }

    static ServerConfig.Builder config(Path model) {
        return ServerConfig.builder().setModel(model).optIdKey(SmallModels.ID_KEY).setToken(BearerToken.of(TOKEN)).optPort(0).optThreads(2);
    }

    /** The features of private row {@code row} as a JSON array. */
    static String instance(int row) {
        Dataset d = privateData();
        float[] x = new float[d.dim()];
        d.copyRow(row, x, 0);
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < x.length; i++) {
            b.append(i == 0 ? "" : ",").append(x[i]);
        }
        return b.append(']').toString();
    }

    static long privateId(int row) {
        return privateData().id(row);
    }

    static Path copyTree(Path from, Path to) {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else if (!p.getFileName().toString().equals(".lock")) {
                    Files.copy(p, q, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return to;
    }

    /** What the service answered. */
    record Response(int status, String body, HttpHeaders headers) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }

        /** Asserts the status and the JSON error shape, and returns the error's code. */
        String error(int expectedStatus) {
            assertThat(status).as("status of %s", body).isEqualTo(expectedStatus);
            assertThat(headers.firstValue("content-type").orElse("")).startsWith("application/json");
            JsonNode e = json().get("error");
            assertThat(e).as("error object in %s", body).isNotNull();
            assertThat(json().size()).as("only an error in %s", body).isEqualTo(1);
            assertThat(e.get("message").asText()).isNotBlank().doesNotContain("\n");
            return e.get("code").asText();
        }
    }

    /** An HTTP/1.1 client for one service. */
    static final class Http {
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        private final String base;

        Http(String base) {
            this.base = base;
        }

        Http(LegoNetServer server) {
            this(server.url());
        }

        HttpRequest.Builder request(String path) {
            return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        }

        Response send(HttpRequest r) {
            try {
                HttpResponse<String> resp = client.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                return new Response(resp.statusCode(), resp.body(), resp.headers());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        Response post(String path, String body) {
            return send(request(path).header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        }

        Response get(String path) {
            return send(request(path).header("Authorization", "Bearer " + TOKEN).GET().build());
        }

        /** Posts a forget request and returns its id (asserting 202). */
        String forget(String body) {
            Response r = post("/v1/forget", body);
            assertThat(r.status()).as("forget %s: %s", body, r.body()).isEqualTo(202);
            return r.json().get("request_id").asText();
        }

        /** Waits (on the server) until {@code requestId} is done or failed, and returns its status. */
        JsonNode awaitDone(String requestId) {
            for (int i = 0; i < 4; i++) {
                JsonNode s = get("/v1/forget/" + requestId + "?wait_seconds=30").json();
                String state = s.get("state").asText();
                if (state.equals("done") || state.equals("failed")) {
                    return s;
                }
            }
            throw new AssertionError("request " + requestId + " did not finish in 2 minutes");
        }
    }

    /**
     * Holds the service's worker at the first batch it takes until {@link #release} is counted down,
     * so that requests sent meanwhile queue up behind it (and are coalesced into the next commit).
     */
    static final class FirstBatchPause implements FaultInjector {
        /** Counted down when the worker has taken its first batch and waits. */
        final java.util.concurrent.CountDownLatch paused = new java.util.concurrent.CountDownLatch(1);
        /** Count down to let the worker go on. */
        final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

        @Override
        public void at(String point) {
            if (point.equals(FaultInjector.BATCH_TAKEN) && paused.getCount() > 0) {
                paused.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** Waits (at most 30 s) until the worker holds its first batch. */
        void awaitPaused() throws InterruptedException {
            org.assertj.core.api.Assertions.assertThat(paused.await(30, java.util.concurrent.TimeUnit.SECONDS))
                    .as("the worker took its first batch").isTrue();
        }
    }
}
