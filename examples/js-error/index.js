exports.handler = async function(input) {
    if (!input || !input.name) {
        throw new Error("Name is required");
    }
    return { greeting: `Hello, ${input.name}!` };
};
