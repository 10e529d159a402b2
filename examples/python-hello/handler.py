def handler(input_data):
    """
    Python function handler
    
    Args:
        input_data: The input data from the function call
        
    Returns:
        The result of the function execution
    """
    print(f"Python function called with: {input_data}")
    
    # Handle different input types
    if isinstance(input_data, dict) and 'name' in input_data:
        return {
            "message": f"Hello, {input_data['name']}! This is from Python.",
            "language": "python",
            "input": input_data
        }
    elif isinstance(input_data, dict) and 'raw' in input_data:
        # Binary input
        return {
            "message": "Processed binary data with Python",
            "size": len(input_data['raw']),
            "type": "binary"
        }
    else:
        # Simple string or other input
        return {
            "message": f"Echo from Python: {input_data}",
            "language": "python"
        }
