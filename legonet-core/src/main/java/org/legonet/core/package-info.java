/**
 * LegoNet core: a fixed encoder, n adapters with frozen keys, exact unlearning by retraining only
 * the adapters a removed sample activated, and a crash-safe model store. Pure Java.
 *
 * <p>Packages: {@code data} (readers and splits), {@code encoder} (the encoder SPI and the built-in
 * encoders), {@code routing} (keys and the router), {@code adapter} (adapters and their trainers),
 * {@code kernel} (the deterministic numeric kernels), {@code model} (the model, its configuration,
 * training and evaluation), {@code unlearn} (forget and verify), {@code store} (the model store).
 */
package org.legonet.core;
