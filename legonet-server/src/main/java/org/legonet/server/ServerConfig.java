package org.legonet.server;

import java.nio.file.Path;
import java.util.Objects;
import org.legonet.core.IdKey;

/**
 * How to run the service. Built with {@link #builder()}: required {@code setX}, optional
 * {@code optX}, checked in {@link Builder#build()}. The defaults live here only; the CLI shows them.
 *
 * @param model         the model directory (the service holds its writer lock)
 * @param host          interface to listen on
 * @param port          TCP port; 0 picks a free one
 * @param token         the bearer token that guards forget, status, model and metrics
 * @param openPredict   predictions need no token
 * @param maxBodyBytes  largest request body accepted
 * @param maxBatch      most samples in one predict request
 * @param threads       adapter-training threads of the worker
 * @param predictConcurrency predictions computed at once; more wait their turn, so that prediction
 *                      traffic cannot starve the worker of CPU (forgets have deadlines too)
 * @param maskWait      how long a prediction waits for a commit when the mask leaves one of its
 *                      samples no adapter, before the service answers 503 with Retry-After
 * @param faults        test-only fault injection ({@link FaultInjector#NONE} in service)
 * @param idKey         the key of the model's id hashes (kept outside the model directory), or null
 *                      for a model whose hashes are not keyed: the receipts and the log keep keyed
 *                      hashes, and a keyed model without its key does not start
 */
public record ServerConfig(Path model, String host, int port, BearerToken token, boolean openPredict,
                           long maxBodyBytes, int maxBatch, int threads, int predictConcurrency,
                           java.time.Duration maskWait, FaultInjector faults, IdKey idKey) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final long DEFAULT_MAX_BODY_BYTES = 8L << 20;
    public static final int DEFAULT_MAX_BATCH = 1024;
    public static final java.time.Duration DEFAULT_MASK_WAIT = java.time.Duration.ofSeconds(5);

    public ServerConfig {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(faults, "faults");
        Objects.requireNonNull(maskWait, "maskWait");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link ServerConfig}; model and token are required. */
    public static final class Builder {
        private Path model;
        private BearerToken token;
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private boolean openPredict;
        private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private int maxBatch = DEFAULT_MAX_BATCH;
        private int threads = Runtime.getRuntime().availableProcessors();
        private int predictConcurrency = Runtime.getRuntime().availableProcessors();
        private FaultInjector faults = FaultInjector.NONE;
        private java.time.Duration maskWait = DEFAULT_MASK_WAIT;
        private IdKey idKey;

        private Builder() {
        }

        public Builder setModel(Path model) {
            this.model = model;
            return this;
        }

        public Builder setToken(BearerToken token) {
            this.token = token;
            return this;
        }

        public Builder optHost(String host) {
            this.host = host;
            return this;
        }

        public Builder optPort(int port) {
            this.port = port;
            return this;
        }

        public Builder optOpenPredict(boolean openPredict) {
            this.openPredict = openPredict;
            return this;
        }

        public Builder optMaxBodyBytes(long maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        public Builder optMaxBatch(int maxBatch) {
            this.maxBatch = maxBatch;
            return this;
        }

        public Builder optThreads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder optPredictConcurrency(int predictConcurrency) {
            this.predictConcurrency = predictConcurrency;
            return this;
        }

        public Builder optMaskWait(java.time.Duration maskWait) {
            this.maskWait = maskWait;
            return this;
        }

        /** The model's id key; a model with keyed id hashes needs it. */
        public Builder optIdKey(IdKey idKey) {
            this.idKey = idKey;
            return this;
        }

        public Builder optFaults(FaultInjector faults) {
            this.faults = faults;
            return this;
        }

        public ServerConfig build() {
            if (model == null) {
                throw new IllegalArgumentException("a model directory is required");
            }
            if (token == null) {
                throw new IllegalArgumentException("a bearer token is required");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535, got " + port);
            }
            if (maxBodyBytes < 1024) {
                throw new IllegalArgumentException("max body size must be at least 1024 bytes, got " + maxBodyBytes);
            }
            if (maxBatch < 1) {
                throw new IllegalArgumentException("max batch must be at least 1, got " + maxBatch);
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1, got " + threads);
            }
            if (predictConcurrency < 1) {
                throw new IllegalArgumentException("predict concurrency must be at least 1, got " + predictConcurrency);
            }
            if (maskWait.isNegative() || maskWait.compareTo(java.time.Duration.ofSeconds(60)) > 0) {
                throw new IllegalArgumentException("mask wait must be 0..60 seconds, got " + maskWait.toSeconds());
            }
            return new ServerConfig(model, host, port, token, openPredict, maxBodyBytes, maxBatch, threads,
                    predictConcurrency, maskWait, faults, idKey);
        }
    }
}
