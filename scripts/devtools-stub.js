// Stands in for react-devtools-core, which Ink loads only when DEV=true: the bundle never needs the real one.
export default { initialize() {}, connectToDevTools() {} };
