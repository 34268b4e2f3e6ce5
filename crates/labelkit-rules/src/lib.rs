//! Rule engine, registry of codes, configuration and built-in annotation rules of labelkit.
