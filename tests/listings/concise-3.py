# A Concise Introduction to the ReLU Function, listing 3
# mode: repl (printed as an interactive session: each statement's value is echoed)
# restored: the printed session's ">>> " prompts are removed; all else as printed

import tensorflow as tf

arr = tf.constant([-10, -5, 0.0, 5, 10], dtype = tf.float32)
tf.keras.activations.relu(arr).numpy()
