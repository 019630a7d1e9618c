/**
 * The unlearning service. {@link org.legonet.server.LegoNetServer} serves a model directory over
 * HTTP (Javalin, Jackson) while holding it for update through the library facade
 * {@link org.legonet.core.LegoNet}; {@code ForgetService} makes requests (forgets, and adds of new
 * samples) durable (a write-ahead log forced to disk before the 202), carries them out in coalesced
 * batches with one atomic commit each, and replays the log after a crash so that every
 * acknowledged request is applied exactly once; {@link org.legonet.server.Receipt}s form a hash
 * chain that {@link org.legonet.server.Audit} checks against the model's log. Metrics are
 * Prometheus text via Micrometer. {@link org.legonet.server.FaultInjector} names the points of the
 * protocol where crash tests stop the process.
 */
package org.legonet.server;
