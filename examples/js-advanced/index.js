// Advanced function with console logging
exports.handler = async function(input) {
    console.log("Function called with:", input);
    
    // Handle different input types
    if (input && typeof input === 'object' && input.text) {
        // JSON input
        return { result: `Processed: ${input.text}` };
    } else if (input && input.raw) {
        // Binary input
        console.log("Received binary data, size:", input.raw.length);
        return { size: input.raw.length, type: "binary" };
    } else {
        // Raw string or other input
        return { echo: input };
    }
};
