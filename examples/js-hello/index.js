// Simple function example
exports.handler = async function(input) {
    return {
        message: "Hello from FaaS!",
        input: input,
        timestamp: new Date().toISOString()
    };
};
