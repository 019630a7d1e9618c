package org.legonet.core.model;

/** A freshly trained model with the private samples it was trained on and the run's figures. */
public record Trained(LegoNetModel model, PrivateSet data, TrainStats stats) {
}
