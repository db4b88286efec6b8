"""A small MNIST classifier (LeCun et al. 1998 style convnet): the project's yardstick for image models.
It reads generated digits back (which class do they look like?) and its penultimate layer gives the
features for an FID computed here (Heusel et al. 2017, with this network in place of Inception).
"""
import torch
import torch.nn.functional as F
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from playground.data import images_to_float


class DigitClassifier(nn.Module, PyTorchModelHubMixin):
    """Conv-BN-ReLU stacks, 28 -> 14 -> 7, then a `features`-wide layer and 10 logits."""

    def __init__(self, channels: int = 1, classes: int = 10, width: int = 32, features: int = 128):
        super().__init__()

        def block(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU())

        self.body = nn.Sequential(block(channels, width), block(width, width), nn.MaxPool2d(2),
                                  block(width, 2 * width), block(2 * width, 2 * width), nn.MaxPool2d(2),
                                  nn.Flatten(), nn.Dropout(0.3), nn.Linear(2 * width * 49, features), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(features, classes))

    def features(self, images):
        """Penultimate activations (N, features) of uint8 images or floats in [-1, 1]."""
        return self.body(images_to_float(images).to(self.head[1].weight.device))

    def forward(self, images):
        return self.head(self.features(images))

    def loss(self, images, labels):
        """Cross-entropy, with a random shift of up to 2 pixels as augmentation."""
        x = images_to_float(images)
        dx, dy = torch.randint(-2, 3, (2,)).tolist()
        x = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
        return F.cross_entropy(self(x), labels)

    @torch.no_grad()
    def predict(self, images, batch: int = 1000):
        """Class probabilities (N, classes), in eval mode."""
        was_training = self.training
        self.eval()
        probs = torch.cat([self(images[i:i + batch]).softmax(-1) for i in range(0, len(images), batch)])
        self.train(was_training)
        return probs
