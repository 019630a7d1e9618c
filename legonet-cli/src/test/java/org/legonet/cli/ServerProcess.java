package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.legonet.server.FaultInjector;

/**
 * {@code legonet serve} in a child JVM (the test's own class path), optionally with one fault
 * point armed. Its stdout is read line by line: the "listening on" line gives the port, a
 * {@code LEGONET-FAULT} line says the armed point was reached (and the process is parked there).
 */
final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on (http://127\\.0\\.0\\.1:(\\d+))");
    private static final long START_SECONDS = 120;

    private final Process process;
    private final Path log;
    private final CompletableFuture<String> url = new CompletableFuture<>();
    private final CompletableFuture<String> fault = new CompletableFuture<>();
    private final List<String> stdout = new ArrayList<>();

    private ServerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        Thread reader = new Thread(this::read, "serve-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code legonet serve} on {@code model} and waits until it listens or, with
     * {@code faultPoint} ({@code POINT:N}) armed, until it listens or stops at the point.
     */
    static ServerProcess start(Path model, Path tokenFile, String faultPoint, Path log) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
                "-Dai.djl.offline=true"));
        if (faultPoint != null) {
            cmd.add("-D" + FaultInjector.PROPERTY + "=" + faultPoint);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), LegoNetCli.class.getName(), "serve",
                "--model", model.toString(), "--port", "0", "--token-file", tokenFile.toString(), "--threads", "2"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().remove("LEGONET_TOKEN");
        try {
            ServerProcess p = new ServerProcess(pb.start(), log);
            CompletableFuture.anyOf(p.url, p.fault, p.process.onExit()).get(START_SECONDS, TimeUnit.SECONDS);
            if (!p.url.isDone() && !p.fault.isDone()) {
                throw new AssertionError("legonet serve exited with " + p.process.exitValue() + " before listening:\n"
                        + p.stderr());
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("legonet serve did not start: " + e, e);
        }
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (stdout) {
                    stdout.add(line);
                }
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    url.complete(m.group(1));
                }
                if (line.startsWith(FaultInjector.MARKER)) {
                    fault.complete(line.substring(FaultInjector.MARKER.length()));
                }
            }
        } catch (IOException e) {
            // the process was killed
        } finally {
            url.complete(null);
            fault.complete(null);
        }
    }

    /** The base URL, or null if it stopped at a fault point before listening. */
    String url() {
        return url.getNow(null);
    }

    /** Completes with the fault point reached ({@code POINT#N}); with null if the process ends first. */
    CompletableFuture<String> fault() {
        return fault;
    }

    boolean stoppedAtFault() {
        return fault.getNow(null) != null;
    }

    /** SIGKILL: no shutdown hook, no flush, nothing. */
    void kill() {
        process.destroyForcibly();
        waitFor();
    }

    /** SIGTERM, and the exit code once it has stopped. */
    int terminate() {
        process.destroy();
        return waitFor();
    }

    private int waitFor() {
        try {
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("legonet serve ended").isTrue();
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String stderr() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            waitFor();
        }
    }
}
