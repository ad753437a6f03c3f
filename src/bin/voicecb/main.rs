mod sandbox;
fn main() {}
